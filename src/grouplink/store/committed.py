"""What a write did, told once it has committed: never for a change that was rolled back.

A statement inside :meth:`Database.write` notes what it did with :func:`note`
(the audit log notes each of its rows, so every change is noted in one place).
The write hands its notes to every :func:`listen`-er after its COMMIT went
through; a rolled-back write, or a failed COMMIT, tells nobody. Inside a shared
write (:mod:`grouplink.store.shared_write`) each use case is a SAVEPOINT: one
that rolls back takes its notes with it (:func:`savepoint`), and the rest are
told when the shared transaction commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncConnection

log = structlog.get_logger("grouplink.store")

KEY = "grouplink.committed"  # key in the connection's info while a write is open
Listener = Callable[[str, Mapping[str, Any]], None]  # (action, detail)

_listeners: list[Listener] = []


def listen(listener: Listener) -> None:
    """Call ``listener(action, detail)`` for every noted action of every committed write
    of this process (once, however often it is asked)."""
    if listener not in _listeners:
        _listeners.append(listener)


@dataclass(slots=True)
class Notes:
    """What one open transaction did so far."""

    items: list[tuple[str, Mapping[str, Any]]] = field(default_factory=list)

    def tell(self) -> None:
        """The transaction committed: tell every listener, then forget."""
        items, self.items = self.items, []
        for action, detail in items:
            for listener in _listeners:
                try:
                    listener(action, detail)
                except Exception:
                    # The change is committed whatever a listener does: never fail its caller.
                    log.exception("commit listener failed", action=action)


def note(conn: AsyncConnection, action: str, detail: Mapping[str, Any]) -> None:
    """Inside :meth:`Database.write`: this transaction did ``action``. Outside one
    (a migration, a test's own connection) nothing is noted."""
    notes: Notes | None = conn.info.get(KEY)
    if notes is not None:
        notes.items.append((action, detail))


@contextmanager
def savepoint(conn: AsyncConnection) -> Iterator[None]:
    """Around a SAVEPOINT: what it noted is dropped if it does not end cleanly."""
    notes: Notes | None = conn.info.get(KEY)
    mark = 0 if notes is None else len(notes.items)
    try:
        yield
    except BaseException:
        if notes is not None:
            del notes.items[mark:]
        raise
