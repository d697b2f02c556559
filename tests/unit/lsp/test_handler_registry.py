"""The LSP handler registry: every method and command names a function that exists, and every
handler's exceptions leave through the one error boundary (`tandem.lsp.rpc.guarded`)."""

from __future__ import annotations

import inspect

import pytest
from pygls.exceptions import JsonRpcException

from tandem.errors import JsonRpcCode, NotFoundError
from tandem.lsp.app import COMMANDS, FEATURES, _target
from tandem.lsp.rpc import guarded

SPECS = [spec for _, _, spec in FEATURES] + [spec for _, spec in COMMANDS]


@pytest.mark.parametrize("spec", SPECS)
def test_every_registered_handler_resolves_to_a_function_taking_the_hub(spec: str) -> None:
    function = _target(spec)
    assert callable(function)
    assert next(iter(inspect.signature(function).parameters)) == "hub"


def test_the_registry_has_no_duplicate_methods() -> None:
    methods = [method for method, _, _ in FEATURES] + [name for name, _ in COMMANDS]
    assert len(methods) == len(set(methods))


async def test_a_tandem_error_keeps_its_code() -> None:
    def fail() -> None:
        raise NotFoundError("no thread t1")

    with pytest.raises(JsonRpcException) as caught:
        await guarded("x", fail)
    assert caught.value.code == int(JsonRpcCode.NOT_FOUND) and "no thread t1" in caught.value.message


async def test_an_unexpected_error_is_an_internal_error_and_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    async def boom() -> None:
        raise KeyError("k")

    with pytest.raises(JsonRpcException) as caught:
        await guarded("tandem.lsp.handlers.x:y", boom)
    assert caught.value.code == int(JsonRpcCode.INTERNAL_ERROR)
    assert any(r.exc_info and "tandem.lsp.handlers.x:y" in r.getMessage() for r in caplog.records)


async def test_a_result_passes_through_sync_or_async() -> None:
    async def answer() -> int:
        return 42

    assert await guarded("a", answer) == 42
    assert await guarded("b", lambda: "plain") == "plain"
