"""tandem.tools"""
