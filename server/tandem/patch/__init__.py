"""tandem.patch"""
