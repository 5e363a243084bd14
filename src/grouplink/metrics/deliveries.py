"""Webhook delivery attempts by outcome, counted by the dispatcher once it has
recorded them: in the server's workers (GROUPLINK_DISPATCHER=inline) or in
``grouplink worker`` (scraped on its ``--metrics-port``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from grouplink.metrics.meters import DELIVERIES
from grouplink.store.deliveries import DEAD, DELIVERED, Outcome


def count_outcomes(steps: Iterable[tuple[Outcome, str, int | None]]) -> None:
    """``steps``: what the dispatcher decided for each attempt, (outcome, new state, next try)."""
    counted = Counter(_outcome(outcome, state) for outcome, state, _ in steps)
    for label, attempts in counted.items():
        DELIVERIES.labels(label).inc(attempts)


def _outcome(outcome: Outcome, state: str) -> str:
    if state == DELIVERED:
        return "delivered"
    if state != DEAD:
        return "retrying"
    return "refused" if outcome.refused else "dead_lettered"
