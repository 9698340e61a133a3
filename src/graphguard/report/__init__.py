"""graphguard.report"""
