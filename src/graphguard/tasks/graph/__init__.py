"""graphguard.tasks.graph"""
