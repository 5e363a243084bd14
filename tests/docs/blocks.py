"""A doc's fenced blocks, as the doc tests read them: the one parser of ```` ``` ````
fences that tests/docs (README.md, docs/api.md) and tests/deploy (docs/deployment.md)
both use.

A fence's info string is its language and then words the tests read; GitHub shows only
the language. The words of docs/api.md and README.md (tests/docs/test_docs_run.py):

- ``sh`` or ``bash``, no word: run, in order, in one bash session with the blocks
  before it (variables carry over), under ``set -euo pipefail``;
- ``sh docs-test=skip``: for reading only (the test suite itself, for example);
- ``sh docs-test=background``: started in the background and left running (the
  server); the session goes on once it answers ``/healthz`` on ``GROUPLINK_PORT``,
  and the output the doc shows is how its log starts;
- ``python docs-test=file:NAME``: written to ``NAME`` in the session's folder before
  anything runs, as the doc asks its reader to save it.

What a block prints is shown by a ```` ```json ```` or plain ```` ``` ```` (text)
block right after it, with nothing but blank lines between (so a sentence that
introduces the output goes before the command); a block without one must print
nothing, and every block must exit 0. Outputs are compared by shape (see ``tests/docs/shape.py``):
ids, tokens, times and the port are free, keys, types and the words are not.
docs/deployment.md's ``deploy-test`` words are read by tests/deploy/guide.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
MARK = "docs-test"
RUN_LANGS = ("sh", "bash")
OUTPUT_LANGS = ("json", "text", "")

_FENCE = re.compile(r"^```(?P<info>[^\n]*)\n(?P<body>.*?)^```[ \t]*$", re.M | re.S)


@dataclass(frozen=True)
class Fence:
    lang: str
    words: tuple[str, ...]  # the info string after the language
    text: str
    line: int  # of the opening fence, from 1
    start: int  # offsets of the whole fence in the doc
    end: int

    def mark(self, name: str = MARK) -> str | None:
        """The value of ``name=value`` in the info string, "" for a bare ``name``, or
        None when the word is not there."""
        for word in self.words:
            if word == name:
                return ""
            if word.startswith(name + "="):
                return word.partition("=")[2]
        return None


def fences(doc: Path) -> list[Fence]:
    """Every fenced block that starts a line, in order."""
    source = doc.read_text()
    found = []
    for match in _FENCE.finditer(source):
        words = match["info"].split()
        lang = words[0] if words else ""
        line = source.count("\n", 0, match.start()) + 1
        found.append(Fence(lang, tuple(words[1:]), match["body"], line, match.start(), match.end()))
    return found


@dataclass(frozen=True)
class Step:
    """A block of commands and, where the doc shows it, what it prints."""

    doc: str
    fence: Fence
    background: bool
    shown: Fence | None

    @property
    def where(self) -> str:
        return f"{self.doc}:{self.fence.line}"


@dataclass(frozen=True)
class SavedFile:
    name: str
    text: str


def steps(doc: Path) -> tuple[list[Step], list[SavedFile]]:
    """The doc's sh/bash blocks to run, with their shown outputs, and its files to save."""
    source = doc.read_text()
    all_fences = fences(doc)
    name = str(doc.relative_to(REPO))
    found: list[Step] = []
    files: list[SavedFile] = []
    for index, fence in enumerate(all_fences):
        mark = fence.mark()
        if mark is not None and mark.startswith("file:"):
            files.append(SavedFile(mark.removeprefix("file:"), fence.text))
        if fence.lang not in RUN_LANGS or mark == "skip":
            continue
        assert mark in (None, "background"), f"{name}:{fence.line}: unknown {MARK}={mark}"
        after = all_fences[index + 1] if index + 1 < len(all_fences) else None
        shown = None
        if (
            after is not None
            and after.lang in OUTPUT_LANGS
            and not source[fence.end : after.start].strip()
        ):
            shown = after
        found.append(Step(name, fence, mark == "background", shown))
    return found, files
