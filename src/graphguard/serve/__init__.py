"""graphguard.serve"""
