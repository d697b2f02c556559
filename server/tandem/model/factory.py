"""Choosing the client for a provider's wire API."""

from __future__ import annotations

from tandem.config import Config
from tandem.config_enums import WireApi
from tandem.errors import ConfigError
from tandem.model.types import ModelClient


def create_client(config: Config, api_key: str | None) -> ModelClient:
    """A client for ``config.provider``.

    Raises:
        ConfigError: the provider's wire API is not available in this version.
    """
    if config.provider.wire_api is WireApi.RESPONSES:
        from tandem.model.responses import ResponsesClient

        return ResponsesClient(config.provider, api_key)
    if config.provider.wire_api is WireApi.CHAT:
        from tandem.model.chat import ChatCompletionsClient

        return ChatCompletionsClient(config.provider, api_key)
    if config.provider.wire_api is WireApi.ANTHROPIC:
        from tandem.model.anthropic import AnthropicClient

        return AnthropicClient(config.provider, api_key)
    raise ConfigError(
        f'model provider {config.provider.id!r} uses wire_api = "{config.provider.wire_api}", '
        "which this version of Tandem does not speak yet; use a Responses API endpoint "
        '(wire_api = "responses")'
    )
