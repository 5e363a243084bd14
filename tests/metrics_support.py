"""Reading /metrics as Prometheus does: the text parsed with prometheus_client's parser."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from prometheus_client import CONTENT_TYPE_LATEST
from prometheus_client.parser import text_string_to_metric_families

REQUESTS = "grouplink_http_request_duration_seconds_count"


@dataclass(frozen=True)
class Scrape:
    text: str
    samples: list[tuple[str, dict[str, str], float]]

    def value(self, name: str, **labels: str) -> float:
        """The sum of the samples ``name`` whose labels include ``labels`` (0: none)."""
        return sum(
            value
            for sample, found, value in self.samples
            if sample == name and labels.items() <= found.items()
        )

    def has(self, name: str) -> bool:
        return any(sample == name for sample, _, _ in self.samples)

    def names(self) -> set[str]:
        return {sample for sample, _, _ in self.samples}

    def label_values(self, name: str, label: str) -> set[str]:
        return {found[label] for sample, found, _ in self.samples if sample == name}


def parse(text: str) -> Scrape:
    samples = [
        (s.name, dict(s.labels), s.value)
        for family in text_string_to_metric_families(text)
        for s in family.samples
    ]
    return Scrape(text, samples)


def scrape(base_url: str, **headers: str) -> Scrape:
    """GET /metrics on a connection of its own (so any worker may answer it)."""
    answer = httpx.get(f"{base_url}/metrics", headers=headers, timeout=30)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == CONTENT_TYPE_LATEST
    return parse(answer.text)


def scrape_until(
    base_url: str, check: Callable[[Scrape], bool], what: str, timeout: float = 60
) -> Scrape:
    """Scrape until ``check`` holds: for figures that background work moves."""
    deadline = time.monotonic() + timeout
    while True:
        found = scrape(base_url)
        if check(found):
            return found
        assert time.monotonic() < deadline, f"not within {timeout:g} s: {what}\n{found.text}"
        time.sleep(0.1)
