"""A scrape's answer: this process's figures, or every worker's (multiprocess mode),
followed by what was read from the database, in Prometheus's text format."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from grouplink.metrics import folder
from grouplink.metrics.readings import Readings

CONTENT_TYPE = CONTENT_TYPE_LATEST  # the text format; two renderings joined stay valid in it


def render(readings: Readings) -> bytes:
    path = folder.current()
    counted: Collector = REGISTRY
    if path is not None:
        folder.forget_dead()
        counted = CollectorRegistry()
        MultiProcessCollector(counted, path)  # type: ignore[no-untyped-call]
    read = CollectorRegistry()
    read.register(readings)
    return generate_latest(counted) + generate_latest(read)
