"""Joins, join requests and resets, counted from what each committed write did.

Every change is written to the audit log in its own transaction, and the audit log
notes each row (:mod:`grouplink.store.committed`); this listener hears them once
the transaction has committed, so a change rolled back is never counted and each
committed one is counted once, whichever door, service or loop made it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from grouplink.metrics.meters import JOIN_REQUESTS, JOINS, RESETS

# An audit row written for several people or requests at once lists them under a key.
_MANY = {
    "participants.add": (JOINS, "wa_ids"),
    "join_request.approve": (JOIN_REQUESTS.labels("approved"), "join_request_ids"),
    "join_request.reject": (JOIN_REQUESTS.labels("rejected"), "join_request_ids"),
}
_ONE = {
    "join_request.create": JOIN_REQUESTS.labels("created"),
    "join_request.cancel": JOIN_REQUESTS.labels("cancelled"),
    "link.reset": RESETS.labels("admin"),
    "link.rotate": RESETS.labels("schedule"),
}


def count(action: str, detail: Mapping[str, Any]) -> None:
    one = _ONE.get(action)
    if one is not None:
        one.inc()
        return
    many = _MANY.get(action)
    if many is not None:
        counter, key = many
        counted = len(detail.get(key) or ())
        if counted:
            counter.inc(counted)
