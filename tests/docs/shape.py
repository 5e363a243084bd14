"""What a doc shows a command printing, against what it printed, by shape.

- A ```` ```json ```` block is one or more JSON values (one per line, or one spread
  over lines). The output must hold as many, each of the same shape: the same keys,
  lists of the same length, and values of the same type (string, number, boolean,
  null, object, list), recursively. The values themselves are free.
- A text block is compared line by line. A line that is JSON is compared by shape; any
  other line must read the same once every word with a digit in it, and every word of
  16 or more letters (ids, tokens, times, ports), is masked. A line ``...`` stands for
  any number of lines (headers the doc leaves out, for example).
"""

from __future__ import annotations

import json
import re
from typing import Any

ANY_LINES = "..."
_VARIABLE = re.compile(r"[\w.-]*\d[\w.-]*|[A-Za-z0-9_-]{16,}")


def type_of(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "list"
    return "object"


def shape_difference(shown: Any, got: Any, path: str = "$") -> str | None:
    """Where ``got`` differs in shape from ``shown``, or None."""
    if type_of(shown) != type_of(got):
        return f"{path}: the doc shows {type_of(shown)}, got {type_of(got)} ({got!r:.80})"
    if isinstance(shown, dict):
        if set(shown) != set(got):
            return (
                f"{path}: keys differ; only in the doc: {sorted(set(shown) - set(got))}, "
                f"only in the output: {sorted(set(got) - set(shown))}"
            )
        for key, value in shown.items():
            found = shape_difference(value, got[key], f"{path}.{key}")
            if found:
                return found
    if isinstance(shown, list):
        if len(shown) != len(got):
            return f"{path}: the doc shows {len(shown)} items, got {len(got)}"
        for number, (one, other) in enumerate(zip(shown, got, strict=True)):
            found = shape_difference(one, other, f"{path}[{number}]")
            if found:
                return found
    return None


def json_values(text: str) -> list[Any]:
    """The JSON values of ``text``, one after another; ValueError if it is not that."""
    decoder = json.JSONDecoder()
    values: list[Any] = []
    at = 0
    while True:
        while at < len(text) and text[at].isspace():
            at += 1
        if at == len(text):
            return values
        value, at = decoder.raw_decode(text, at)
        values.append(value)


def json_difference(shown: str, got: str) -> str | None:
    expected = json_values(shown)
    try:
        found = json_values(got)
    except ValueError as error:
        return f"the output is not JSON ({error})"
    if len(expected) != len(found):
        return f"the doc shows {len(expected)} JSON values, the output has {len(found)}"
    for number, (one, other) in enumerate(zip(expected, found, strict=True)):
        difference = shape_difference(one, other, f"value {number + 1}")
        if difference:
            return difference
    return None


def _line_difference(shown: str, got: str) -> str | None:
    if shown.lstrip().startswith(("{", "[")):
        try:
            expected = json.loads(shown)
        except ValueError:
            pass  # text that happens to start with a bracket
        else:
            try:
                return shape_difference(expected, json.loads(got))
            except ValueError:
                return f"not JSON: {got!r}"
    if _VARIABLE.sub("~", shown) != _VARIABLE.sub("~", got):
        return f"{got!r} does not read as {shown!r}"
    return None


def _match(shown: list[str], got: list[str]) -> str | None:
    """None if ``got`` matches ``shown`` line for line (``...`` any lines), else why not."""
    if not shown:
        return None if not got else f"more lines than the doc shows: {got[0]!r}..."
    if shown[0] == ANY_LINES:
        last_reason = "nothing after ... matched"
        for skip in range(len(got) + 1):
            reason = _match(shown[1:], got[skip:])
            if reason is None:
                return None
            last_reason = reason
        return last_reason
    if not got:
        return f"the output ends where the doc shows {shown[0]!r}"
    return _line_difference(shown[0], got[0]) or _match(shown[1:], got[1:])


def text_difference(shown: str, got: str) -> str | None:
    return _match(_lines(shown), _lines(got))


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.strip("\n").splitlines()]


def output_difference(lang: str, shown: str, got: str) -> str | None:
    """Why ``got`` is not what a ``lang`` block showing ``shown`` promises, or None."""
    return json_difference(shown, got) if lang == "json" else text_difference(shown, got)
