"""tandem.lsp: the agent as a language server (pygls). Entry point: :func:`tandem.lsp.app.run_stdio`."""
