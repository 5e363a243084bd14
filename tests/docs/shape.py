"""What a doc shows a command printing, against what it printed, by shape.

- A ```` ```json ```` block is one or more JSON answers, each starting on a line of its
  own (one per line, or one spread over lines). The output must hold as many, each on
  a line of its own too, and each of the same shape: the same keys, lists of the same
  length, values of the same type (string, number, boolean, null, object, list),
  recursively. Within that, a string must read the same once its variable words are
  masked (below), a boolean must be the same, and so must a number below 10**9 (codes,
  counts, limits); larger numbers are times (Unix seconds) and free.
- A text block is compared line by line. A line that is JSON is compared as above; any
  other line must read the same once its variable words are masked. A line ``...``
  stands for any number of lines (headers the doc leaves out, for example).

The variable words are those with a digit in them and those of 16 or more letters:
ids, tokens, phone numbers, times, dates and the port.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

ANY_LINES = "..."
FREE_NUMBERS = 10**9  # from here on a number is a time (Unix seconds, 2001 onwards)
_VARIABLE = re.compile(r"[\w.-]*\d[\w.-]*|[A-Za-z0-9_-]{16,}")


def masked(text: str) -> str:
    """``text`` with each variable word replaced by ``~``."""
    return _VARIABLE.sub("~", text)


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
        return None
    if isinstance(shown, list):
        return _items_difference(shown, got, f"{path}: ", "items", lambda n: f"{path}[{n}]")
    return _scalar_difference(shown, got, path)


def _items_difference(
    shown: list[Any], got: list[Any], where: str, noun: str, name: Callable[[int], str]
) -> str | None:
    """The first difference between two lists, their lengths and then item by item:
    the one comparison of a JSON list's items and of a block's answers."""
    if len(shown) != len(got):
        return f"{where}the doc shows {len(shown)} {noun}, got {len(got)}"
    for number, (one, other) in enumerate(zip(shown, got, strict=True)):
        found = shape_difference(one, other, name(number))
        if found:
            return found
    return None


def _scalar_difference(shown: Any, got: Any, path: str) -> str | None:
    if isinstance(shown, str):
        same = masked(shown) == masked(got)
    elif isinstance(shown, bool) or (shown is not None and abs(shown) < FREE_NUMBERS):
        same = shown == got
    else:
        same = True  # null, or a time
    return None if same else f"{path}: the doc shows {shown!r}, got {got!r}"


def json_answers(text: str) -> list[Any]:
    """The JSON answers of ``text``, one after another, each starting on a line of its
    own; ValueError if it is not that."""
    decoder = json.JSONDecoder()
    answers: list[Any] = []
    at = 0
    while True:
        gap = at
        while at < len(text) and text[at].isspace():
            at += 1
        if at == len(text):
            return answers
        if answers and "\n" not in text[gap:at]:
            raise ValueError(
                f"answer {len(answers) + 1} starts on the line where answer {len(answers)} "
                "ends; print a newline between them"
            )
        answer, at = decoder.raw_decode(text, at)
        answers.append(answer)


def json_difference(shown: str, got: str) -> str | None:
    expected = json_answers(shown)
    try:
        found = json_answers(got)
    except ValueError as error:
        return f"the output is not JSON answers one per line ({error})"
    return _items_difference(expected, found, "", "JSON answers", lambda n: f"answer {n + 1}")


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
    if masked(shown) != masked(got):
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
