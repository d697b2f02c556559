"""The apply_patch Lark grammar sent with the freeform ``apply_patch`` tool.

Format: Codex apply_patch grammar, as a Lark definition (OpenAI Responses "custom" tools accept
``format: {type: "grammar", syntax: "lark", definition: ...}``). The text lives in
``apply_patch.lark`` beside this module (shipped as package data).
"""

from __future__ import annotations

from importlib import resources

APPLY_PATCH_LARK_GRAMMAR: str = resources.files("tandem.patch").joinpath("apply_patch.lark").read_text("utf-8")
"""The grammar text, read once at import."""
