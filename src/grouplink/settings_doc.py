"""The table of every setting in docs/configuration.md, made from :class:`Settings`.

    .venv/bin/python -m grouplink.settings_doc          # rewrite the table in place
    .venv/bin/python -m grouplink.settings_doc --check  # exit 1 if it is out of date

Each row is a field of ``Settings.model_fields``: its variable, its default, its
``description`` and its bounds. The table sits between two marker comments; the
rest of the file is written by hand. tests/test_settings_doc.py fails when the
file differs from what this renders, so the table cannot drift from the code.
"""

from __future__ import annotations

import argparse
import sys
import typing
from pathlib import Path
from typing import Any

import annotated_types
from pydantic import SecretStr
from pydantic.fields import FieldInfo

from grouplink.settings import Settings

COMMAND = ".venv/bin/python -m grouplink.settings_doc"
START = f"<!-- settings table: made by `{COMMAND}` from settings.py; do not edit -->"
END = "<!-- end of the settings table -->"
DOC = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def render_table() -> str:
    lines = ["| Variable | Default | Meaning |", "|---|---|---|"]
    for name, info in Settings.model_fields.items():
        meaning = " ".join(part for part in (info.description or "", _bounds(info)) if part)
        cells = (f"`GROUPLINK_{name.upper()}`", _default(info.default), meaning)
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines)


def render_into(text: str) -> str:
    """``text`` with the part between the markers replaced by the table."""
    before, start, rest = text.partition(START)
    _, end, after = rest.partition(END)
    if not start or not end:
        raise ValueError(f"the markers are missing: put {START} and {END} where the table goes")
    return f"{before}{START}\n{render_table()}\n{END}{after}"


def _default(value: Any) -> str:
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    if value is None:
        return "unset"
    if value == "":
        return "empty"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"`{value}`"


def _bounds(info: FieldInfo) -> str:
    said = []
    choices = typing.get_args(info.annotation) if _is_literal(info.annotation) else ()
    if choices:
        said.append("One of " + ", ".join(f"`{choice}`" for choice in choices) + ".")
    for bound in info.metadata:
        if isinstance(bound, annotated_types.Ge):
            said.append(f"At least {bound.ge}.")
        elif isinstance(bound, annotated_types.Gt):
            said.append(f"More than {bound.gt}.")
    return " ".join(said)


def _is_literal(annotation: Any) -> bool:
    return typing.get_origin(annotation) is typing.Literal


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Rewrite or check the settings table.")
    parser.add_argument("--check", action="store_true", help="only say if the file is stale")
    parser.add_argument("path", nargs="?", type=Path, default=DOC)
    args = parser.parse_args(argv)
    text = args.path.read_text()
    made = render_into(text)
    if args.check:
        if made != text:
            print(f"{args.path} is out of date: run {COMMAND}", file=sys.stderr)
            return 1
        return 0
    if made != text:
        args.path.write_text(made)
        print(f"rewrote the settings table in {args.path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
