"""tandem.sessions"""
