"""The one rule for text that a person or a client types, whatever the door.

Control characters make no sense in a group's subject, a link's name, a join
answer or an id, and some cannot be stored at all: PostgreSQL's text columns
refuse NUL, so a NUL that reached the database was a 500 there and stored text
on SQLite. Refused: every C0 and C1 control character except tab, line feed and
carriage return (which descriptions and answers use), DEL, and lone surrogates
(no UTF-8 for them). Every other character, emoji and joiners included, is text.
"""

from __future__ import annotations

import re
from typing import Any

from grouplink.domain.errors import InvalidParameter, UnusableText

_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
MAX_NESTING = 32  # JSON bodies: the deepest Graph body (participants) nests 3 levels


def check_text(text: str, name: str = "") -> None:
    """Refuse ``text`` if it holds a refused character; ``name`` says where it was sent."""
    found = _REFUSED.search(text)
    if found is not None:
        raise UnusableText(_describe(found.group(), name))


def check_texts(value: Any, name: str = "", max_nesting: int = MAX_NESTING) -> None:
    """:func:`check_text` for every string in ``value`` (dict keys too), through lists
    and dicts nested at most ``max_nesting`` deep; walked without recursion, so no
    body can exhaust the stack."""
    pending: list[tuple[Any, str, int]] = [(value, name, 0)]
    while pending:
        item, where, depth = pending.pop()
        if isinstance(item, str):
            check_text(item, where)
            continue
        if not isinstance(item, dict | list):
            continue
        if depth >= max_nesting:
            raise InvalidParameter(f"The request body nests deeper than {max_nesting} levels")
        if isinstance(item, dict):
            for key, inner in item.items():
                check_text(key, where)
                pending.append((inner, _join(where, str(key)), depth + 1))
        else:
            pending.extend((inner, where, depth + 1) for inner in item)


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _describe(char: str, name: str) -> str:
    what = "an unpaired surrogate" if "\ud800" <= char <= "\udfff" else "a control character"
    where = f"{name} contains" if name else "The text contains"
    return (
        f"{where} U+{ord(char):04X}, {what}: text may not contain control characters "
        "other than tab and line breaks"
    )
