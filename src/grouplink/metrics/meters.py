"""Every figure grouplink counts in its processes, defined once.

Under ``grouplink serve --workers N`` prometheus_client runs in multiprocess mode
(``PROMETHEUS_MULTIPROC_DIR``, see :mod:`grouplink.metrics.folder`): each value
lives in a file of its process, and a scrape adds them up over every worker,
living or dead, whichever worker answers. The pool's gauges are per process
(``liveall``: a ``pid`` label, gone with the process). The figures read from the
database at scrape time are in :mod:`grouplink.metrics.readings`.

Counters whose label values are known are made with each of them at zero, so a
series exists (and ``rate()`` works) before the first event.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics

# No ``_created`` series beside each counter and histogram (multiprocess mode has
# none either): they would double the series and tell a dashboard nothing.
disable_created_metrics()  # type: ignore[no-untyped-call]

# A request here takes about a millisecond: the default buckets (from 5 ms) would
# put nearly all of them in the first one.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

REQUEST_SECONDS = Histogram(
    "grouplink_http_request_duration_seconds",
    "HTTP requests by route template, method and status, and how long each took "
    "(its _count is the number of requests)",
    ["route", "method", "status"],
    buckets=LATENCY_BUCKETS,
)

POOL_SIZE = Gauge(
    "grouplink_db_pool_size",
    "Database connections this process may keep open (GROUPLINK_DB_POOL_SIZE)",
    multiprocess_mode="liveall",
)
POOL_CHECKED_OUT = Gauge(
    "grouplink_db_pool_checked_out",
    "Database connections of this process in use just now",
    multiprocess_mode="liveall",
)
POOL_OVERFLOW = Gauge(
    "grouplink_db_pool_overflow",
    "Connections open beyond the pool's size (grouplink's pools open none: always 0 "
    "unless that changes; a request that finds the pool busy waits)",
    multiprocess_mode="liveall",
)

DELIVERY_OUTCOMES = ("delivered", "retrying", "dead_lettered", "refused")
DELIVERIES = Counter(
    "grouplink_webhook_deliveries",
    "Webhook delivery attempts by what they led to: delivered (2xx), retrying (failed, "
    "tried again later), dead_lettered (failed past the retry window), refused (an "
    "address grouplink will not call: dead-lettered at once)",
    ["outcome"],
)

JOINS = Counter(
    "grouplink_joins",
    "People who joined a group, through a link at once or once their request was approved",
)
JOIN_REQUEST_EVENTS = ("created", "approved", "rejected", "cancelled")
JOIN_REQUESTS = Counter(
    "grouplink_join_requests",
    "Join requests by what happened: created, approved, rejected, cancelled (by the person)",
    ["event"],
)
RESET_TRIGGERS = ("admin", "schedule")
RESETS = Counter(
    "grouplink_invite_link_resets",
    "Primary invite links reset: by an admin (API or console) or by the group's rotation schedule",
    ["trigger"],
)

for _outcome in DELIVERY_OUTCOMES:
    DELIVERIES.labels(_outcome)
for _event in JOIN_REQUEST_EVENTS:
    JOIN_REQUESTS.labels(_event)
for _trigger in RESET_TRIGGERS:
    RESETS.labels(_trigger)
