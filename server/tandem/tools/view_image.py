"""``view_image``: attach a local image to the conversation so the model can look at it.

Format: Codex's ``view_image {path}`` (docs/reference-facts.md §2). The tool output says what was attached;
the image itself follows as a user message with an ``input_image`` part (a ``data:`` URL), which
the Responses API accepts as input. Images are read through the workspace's file system.
"""

from __future__ import annotations

import base64
import mimetypes

from tandem.errors import ToolError
from tandem.protocol import JsonDict
from tandem.tools.base import Concurrency, Effect, ToolCall, ToolHost, ToolOutput, function_spec, path_argument

MAX_IMAGE_BYTES = 20 * 1024 * 1024
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp")


class ViewImageTool:
    """Reads an image file and attaches it for the model."""

    name = "view_image"
    concurrency = Concurrency.PARALLEL
    effect = Effect.READ_ONLY

    def spec(self) -> JsonDict:
        """Function tool definition (Responses API)."""
        return function_spec(
            self.name,
            "Attach a local image (PNG, JPEG, GIF or WebP) so you can look at it, e.g. a screenshot "
            "or a plot the user mentions.",
            {"path": {"type": "string", "description": "Path of the image file."}},
            ["path"],
        )

    async def run(self, call: ToolCall, host: ToolHost) -> ToolOutput:
        """Attach the image.

        Raises:
            ToolError: a missing path, a file that is not a supported image, or one over 20 MiB.
        """
        raw = call.arguments().get("path")
        if not isinstance(raw, str) or not raw:
            raise ToolError("view_image: 'path' must be a file path")
        path = path_argument(raw, host.cwd, "view_image: 'path'")
        mime = mimetypes.guess_type(path.name)[0]
        if mime not in IMAGE_TYPES:
            raise ToolError(f"view_image: {raw} is not a PNG, JPEG, GIF or WebP image")
        try:
            data = host.workspace.fs.read_bytes(path)
        except FileNotFoundError:
            raise ToolError(f"view_image: {raw} does not exist") from None
        except OSError as exc:
            raise ToolError(f"view_image: cannot read {raw}: {exc.strerror or exc}") from exc
        if len(data) > MAX_IMAGE_BYTES:
            raise ToolError(f"view_image: {raw} is {len(data) // 1024 // 1024} MiB; the limit is 20 MiB")
        url = f"data:{mime};base64,{base64.b64encode(data).decode()}"
        image = {"type": "message", "role": "user", "content": [{"type": "input_image", "image_url": url}]}
        return ToolOutput(f"Attached image {raw} ({mime}, {len(data):,} bytes).", followups=(image,))
