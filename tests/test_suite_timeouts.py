"""Every HTTP call the tests make says how long it waits (tests.support.TIMEOUT_S).

httpx's default of 5 s fails a test on a busy machine for no fault of grouplink's;
the suite's own clients wait 30 s. A call in-process (``transport=``) cannot hang."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).parent
CALLS = {"get", "post", "put", "patch", "delete", "head", "options", "request", "stream"}
CLIENTS = {"Client", "AsyncClient"}


def bare_calls(source: str) -> list[int]:
    """Lines of ``httpx.<call>(...)`` and ``httpx.Client(...)`` without a timeout."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "httpx"
            and node.func.attr in CALLS | CLIENTS
        ):
            continue
        given = {keyword.arg for keyword in node.keywords}
        if None in given or "timeout" in given or "transport" in given:  # **kwargs: theirs
            continue
        found.append(node.lineno)
    return found


def test_the_check_sees_a_bare_call() -> None:
    assert bare_calls("import httpx\nhttpx.get('http://x')\nhttpx.Client(timeout=1)\n") == [2]


def test_every_http_call_in_the_tests_has_a_timeout() -> None:
    bare = [
        f"{path.relative_to(TESTS.parent)}:{line}"
        for path in sorted(TESTS.rglob("*.py"))
        for line in bare_calls(path.read_text(encoding="utf-8"))
    ]
    assert bare == [], "pass timeout=TIMEOUT_S (tests/support.py) to: " + ", ".join(bare)
