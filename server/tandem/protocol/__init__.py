"""tandem.protocol"""
