"""tandem.headless"""
