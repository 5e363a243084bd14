"""The figures read from the database when a scrape comes: whether it answers, and the
outbox's backlog. One statement (:func:`grouplink.store.deliveries.backlog`),
bounded by the readiness check's timeout: a database that is down or slow makes
``grouplink_database_up 0`` and leaves the backlog out, never a failed scrape.

These are the same from every process on one database, so a dashboard takes
their ``max`` over the instances.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass

import structlog
from prometheus_client.metrics_core import GaugeMetricFamily, Metric

from grouplink.domain.errors import Unavailable
from grouplink.services.core import Core
from grouplink.services.readiness import CHECK_TIMEOUT_S
from grouplink.store import deliveries
from grouplink.store.deliveries import Backlog

log = structlog.get_logger("grouplink.metrics")


@dataclass(frozen=True, slots=True)
class Readings:
    """A collector (prometheus_client's protocol) of what one scrape read."""

    backlog: Backlog | None  # None: the database did not answer
    now_ms: int

    def collect(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "grouplink_database_up",
            "1 if the database answered this scrape's query, 0 if not (then the "
            "outbox figures are absent)",
            value=0 if self.backlog is None else 1,
        )
        if self.backlog is None:
            return
        yield GaugeMetricFamily(
            "grouplink_outbox_backlog_events",
            "Webhook events not yet delivered to every subscription that wants them",
            value=self.backlog.events,
        )
        yield GaugeMetricFamily(
            "grouplink_webhook_deliveries_pending",
            "Webhook deliveries waiting for their first try or for a retry",
            value=self.backlog.deliveries,
        )
        oldest = self.backlog.oldest_at
        age = 0.0 if oldest is None else max(0.0, (self.now_ms - oldest) / 1000)
        yield GaugeMetricFamily(
            "grouplink_outbox_oldest_event_age_seconds",
            "How long ago the oldest of those events happened (0: none waiting)",
            value=age,
        )


async def read(core: Core) -> Readings:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_S), core.db.read() as conn:
            found: Backlog | None = await deliveries.backlog(conn)
    except (Unavailable, TimeoutError):
        found = None  # the database logged why, once for the outage
    except Exception:
        log.exception("metrics: the outbox could not be read")
        found = None
    return Readings(found, core.clock())
