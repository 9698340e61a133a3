"""graphguard.nn"""
