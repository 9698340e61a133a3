"""graphguard.builders"""
