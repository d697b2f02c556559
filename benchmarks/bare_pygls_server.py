"""The baseline for the initialize benchmark: a pygls server with no features at all."""

from pygls.lsp.server import LanguageServer

if __name__ == "__main__":
    LanguageServer("bare", "0").start_io()
