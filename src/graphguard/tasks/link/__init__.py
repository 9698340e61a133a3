"""graphguard.tasks.link"""
