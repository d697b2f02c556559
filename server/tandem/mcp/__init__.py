"""Tandem's MCP client: servers from ``[mcp_servers.*]`` started over stdio or streamable HTTP with the
official ``mcp`` SDK, their tools named and offered to the model (docs/architecture.md, "MCP servers").

The SDK is imported only by :mod:`tandem.mcp.client`, and only when a server is started.
"""
