"""LSP feature handlers, one module per feature area; each exposes ``register(server, hub)``."""
