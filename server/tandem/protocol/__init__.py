"""tandem.protocol: the wire types of Tandem's protocols (imports nothing else of Tandem's).

:data:`JsonDict` is the one name for "a JSON object as Python sees it" across the package.
"""

from typing import Any

JsonDict = dict[str, Any]
"""A decoded JSON object (Responses items, rollout payloads, tool arguments)."""
