"""The soak's figures as printed, and as JSON for the smoke test."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass
from typing import Any

from bench.soak.checks import Check
from bench.soak.client import Stats
from bench.soak.faults import Kills
from bench.soak.receiver import Tally


@dataclass(frozen=True, slots=True)
class Deliveries:
    events: int  # outbox rows
    attempts: int
    answered_2xx: int
    answered_other: int  # 5xx and any other status
    no_answer: int  # timed out, refused, cut by a kill
    drained: bool  # every delivery finished before the drain's timeout
    drain_seconds: float


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def figures(
    seconds: float,
    stats: Stats,
    kills: Kills,
    tally: Tally,
    deliveries: Deliveries,
    checks: list[Check],
) -> dict[str, Any]:
    by_kind: dict[str, dict[str, int]] = defaultdict(dict)
    for (kind, outcome), count in sorted(stats.outcomes.items()):
        by_kind[kind][outcome] = count
    latency = {
        kind: {"p50_ms": percentile(values, 0.5), "p99_ms": percentile(values, 0.99)}
        for kind, values in sorted(stats.latencies_ms.items())
    }
    client = {
        "retries": stats.retries,
        "no_answer": stats.no_answer,
        "server_errors": stats.server_errors,
        "in_progress_409": stats.in_progress,
        "replays": stats.replays,
        "cuts": stats.cuts,
    }
    receiver = {**asdict(tally), "by_field": dict(tally.by_field)}
    return {
        "seconds": seconds,
        "requests": dict(by_kind),
        "latency": latency,
        "client": client,
        "kills": asdict(kills),
        "receiver": receiver,
        "deliveries": asdict(deliveries),
        "checks": [asdict(check) for check in checks],
    }


def render(found: dict[str, Any]) -> str:
    lines = [f"Soak: {found['seconds']:.0f} s of traffic on PostgreSQL", ""]
    lines.append(f"{'call':<16} {'answers':<58} {'p50 ms':>8} {'p99 ms':>8}")
    for kind, outcomes in found["requests"].items():
        answers = ", ".join(f"{outcome}: {count}" for outcome, count in outcomes.items())
        times = found["latency"].get(kind, {"p50_ms": 0.0, "p99_ms": 0.0})
        lines.append(f"{kind:<16} {answers:<58} {times['p50_ms']:>8.0f} {times['p99_ms']:>8.0f}")
    client, kills = found["client"], found["kills"]
    lines += [
        "",
        f"client: {client['retries']} retries; tries with no answer {client['no_answer']}, "
        f"5xx {client['server_errors']}, 409 in progress {client['in_progress_409']}; "
        f"{client['cuts']} cut off on purpose; {client['replays']} idempotent replays",
        f"kills: app worker {kills['app']} (restarted by uvicorn {kills['app_restarted']}), "
        f"webhook worker {kills['webhook']} (restarted {kills['webhook_restarted']})",
    ]
    rec, dl = found["receiver"], found["deliveries"]
    fields = ", ".join(f"{name} {count}" for name, count in sorted(rec["by_field"].items()))
    lines += [
        f"events: {dl['events']} committed ({fields})",
        f"deliveries: {dl['attempts']} attempts: {dl['answered_2xx']} answered 2xx, "
        f"{dl['answered_other']} other, {dl['no_answer']} no answer; drained "
        f"{'in' if dl['drained'] else 'NOT in'} {dl['drain_seconds']:.0f} s after the traffic",
        f"receiver: {rec['posts']} posts, {rec['processed']} events counted, "
        f"{rec['duplicates']} duplicates seen and dropped, {rec['failed_on_purpose']} answered "
        f"500 and {rec['slow_on_purpose']} answered slowly on purpose",
        "",
    ]
    for check in found["checks"]:
        lines.append(f"{'yes' if check['ok'] else 'NO ':<4} {check['name']}: {check['detail']}")
    return "\n".join(lines)
