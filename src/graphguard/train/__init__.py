"""graphguard.train"""
