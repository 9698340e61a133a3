"""graphguard.augment"""
