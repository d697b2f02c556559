"""Tandem: a coding agent that lives in the editor (LSP server) and runs headless (`tandem exec`)."""

__version__ = "0.1.0"
