"""tandem.sandbox"""
