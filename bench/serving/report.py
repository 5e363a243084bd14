"""The printed tables: each block's calls against its baselines, the change with
data size, worker memory, and the targets of issue 5, met or not."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from bench.serving.calls import CALLS, CEILING, PRISM_LABEL
from bench.serving.wrk import Measure

PRISM = "prism"
# Synapse's rows (bench/serving/synapse_load.py), each beside grouplink's join through a link.
SYNAPSE = {
    "synapse_join": "Synapse: join public room",
    "synapse_knock": "Synapse: knock",
    "synapse_accept": "Synapse: accept a knock (invite)",
}
PEERS = {PRISM, *SYNAPSE}  # not grouplink's calls: no ratio to Prism, no change with size
BACKEND_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
LABELS = {call.key: call.label for call in CALLS} | {PRISM: PRISM_LABEL} | SYNAPSE


@dataclass(frozen=True, slots=True)
class Result:
    """A call's figures, and the CPU time spent serving it while it was measured."""

    measure: Measure
    server_cpu_s: float  # grouplink's workers (or Prism's process)
    db_cpu_s: float | None  # PostgreSQL's processes for the database; None: none apart

    @property
    def rate(self) -> float:
        return self.measure.rate

    def joined(self, other: Result) -> Result:
        """Two runs of one call as one: their requests over their seconds, the mean
        median latency and the worse p99, their CPU time together."""
        one, two = self.measure, other.measure
        measure = Measure(
            one.requests + two.requests,
            one.seconds + two.seconds,
            (one.p50_ms + two.p50_ms) / 2,
            max(one.p99_ms, two.p99_ms),
            one.errors + two.errors,
        )
        db = None if self.db_cpu_s is None else self.db_cpu_s + (other.db_cpu_s or 0.0)
        return Result(measure, self.server_cpu_s + other.server_cpu_s, db)

    @property
    def server_ms(self) -> float:
        return 1000 * self.server_cpu_s / max(self.measure.requests, 1)

    @property
    def cpu_ms(self) -> float:
        """App and database CPU time per request."""
        return self.server_ms + (self.db_ms or 0.0)

    @property
    def db_ms(self) -> float | None:
        if self.db_cpu_s is None:
            return None
        return 1000 * self.db_cpu_s / max(self.measure.requests, 1)


@dataclass(slots=True)
class Block:
    """One server on one database: every call measured against it."""

    backend: str
    groups: int
    load_seconds: float
    results: dict[str, Result] = field(default_factory=dict)
    memory_mb: list[float] = field(default_factory=list)
    version: str = ""  # an earlier commit's (--against); empty: this checkout

    @property
    def title(self) -> str:
        at = f", at {self.version}" if self.version else ""
        return f"{BACKEND_NAMES[self.backend]}, {self.groups:,} groups{at}"

    @property
    def where(self) -> str:
        return f"{self.groups:,}" + (f" at {self.version}" if self.version else "")

    @property
    def ceiling(self) -> float | None:
        found = self.results.get(CEILING.key)
        return found.rate if found else None

    @property
    def prism(self) -> float | None:
        found = self.results.get(PRISM)
        return found.rate if found else None


def block_table(block: Block) -> Iterator[str]:
    loaded = f"loaded in {block.load_seconds:.0f} s" if block.load_seconds else "reused"
    yield f"{block.title} ({loaded})"
    # With Synapse measured, its rows say how many times its rate a join through a link is.
    join = block.results.get("join")
    beside = any(key in SYNAPSE for key in block.results)
    yield (
        f"{'call':<40} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} "
        f"{'of ceiling':>11} {'x Prism':>8} {'app CPU ms':>11} {'db CPU ms':>10}"
        + (f" {'link join x':>12}" if beside else "")
    )
    for key, result in block.results.items():
        measure = result.measure
        db_ms = "-" if result.db_ms is None else f"{result.db_ms:.2f}"
        ratio = _times(join.rate, measure.rate) if join and key in SYNAPSE else ""
        yield (
            f"{LABELS[key]:<40} {measure.rate:>8,.0f} {measure.p50_ms:>8.1f} "
            f"{measure.p99_ms:>8.1f} {measure.errors:>7,} "
            f"{_share(key, measure.rate, block.ceiling):>11} {_prism(key, measure.rate, block):>8} "
            f"{result.server_ms:>11.2f} {db_ms:>10}" + (f" {ratio:>12}" if beside else "")
        )
    memory = ", ".join(f"{mb:.0f}" for mb in block.memory_mb) or "n/a"
    yield f"worker peak memory (VmHWM), MiB: {memory}"


def changes(before: Block, after: Block) -> dict[str, tuple[float, float]]:
    """Each call's change from ``before`` to ``after``: in requests per second, and in
    CPU time per request (app and database), which other work on the machine moves less."""
    return {
        key: (
            after.results[key].rate / result.rate - 1,
            after.results[key].cpu_ms / result.cpu_ms - 1,
        )
        for key, result in before.results.items()
        if key in after.results and key not in PEERS and result.rate > 0 and result.cpu_ms > 0
    }


def scale_table(small: Block, large: Block) -> Iterator[str]:
    name = BACKEND_NAMES[small.backend]
    title = f"{name}: {large.groups:,} groups against {small.groups:,}"
    return comparison_table(title, small, large, f"{small.groups:,}", f"{large.groups:,}")


def version_table(then: Block, now: Block) -> Iterator[str]:
    """This checkout against an earlier commit, at one size (see bench/serving/earlier.py)."""
    title = f"{now.title}: this checkout against {then.version}"
    return comparison_table(title, then, now, then.version, "now")


def comparison_table(
    title: str, before: Block, after: Block, before_name: str, after_name: str
) -> Iterator[str]:
    yield title
    yield f"{'':<40} {'requests per second':>26} {'CPU ms per request':>26}"
    yield (
        f"{'call':<40} {before_name:>9} {after_name:>9} {'change':>7}"
        f" {before_name:>9} {after_name:>9} {'change':>7}"
    )
    for key, (rate_change, cpu_change) in changes(before, after).items():
        one, other = before.results[key], after.results[key]
        yield (
            f"{LABELS[key]:<40} {one.rate:>9,.0f} {other.rate:>9,.0f} {rate_change:>+7.0%}"
            f" {one.cpu_ms:>9.2f} {other.cpu_ms:>9.2f} {cpu_change:>+7.0%}"
        )
    peak_before, peak_after = max(before.memory_mb, default=0), max(after.memory_mb, default=0)
    yield (
        f"{'worker peak memory, MiB':<40} {peak_before:>9.0f} {peak_after:>9.0f} "
        f"{_change(peak_before, peak_after):>7}"
    )


@dataclass(frozen=True, slots=True)
class Verdict:
    target: str
    where: str
    figure: str
    met: bool | None  # None: could not be judged (no Prism, say)


def verdicts(
    blocks: list[Block],
    pairs: list[tuple[Block, Block]],
    versions: list[tuple[Block, Block]],
) -> Iterator[Verdict]:
    """The targets, met or not: ``blocks`` of this checkout, ``pairs`` of its sizes
    (small, large), ``versions`` of an earlier commit and this one (then, now)."""
    for block in blocks:
        preview = block.results.get("link_preview")
        if preview and block.ceiling:
            share = preview.rate / block.ceiling
            yield Verdict(
                "link preview >= 50% of ceiling", block.title, f"{share:.0%}", share >= 0.5
            )
        if block.backend == "postgresql":
            for key in ("reset_link", "join"):
                found = block.results.get(key)
                if found and block.ceiling:
                    share = found.rate / block.ceiling
                    yield Verdict(
                        f"{LABELS[key]}: >= 25% of ceiling, p99 < 50 ms",
                        block.title,
                        f"{share:.0%}, p99 {found.measure.p99_ms:.0f} ms",
                        share >= 0.25 and found.measure.p99_ms < 50,
                    )
        for key in ("reset_hot", "join_hot"):
            found = block.results.get(key)
            if found and block.ceiling:
                share = found.rate / block.ceiling
                yield Verdict(
                    f"{LABELS[key]}: >= 10% of ceiling", block.title, f"{share:.0%}", share >= 0.1
                )
        join = block.results.get("join")
        for key, label in SYNAPSE.items():
            peer = block.results.get(key)
            if join and peer:
                yield Verdict(
                    f"join through a link >= 10x {label}",
                    block.title,
                    _times(join.rate, peer.rate),
                    None if peer.rate == 0 else join.rate >= 10 * peer.rate,  # none done: n/a
                )
        measured = {k: m for k, m in block.results.items() if k != CEILING.key and k not in PEERS}
        if measured:
            slowest = min(measured, key=lambda k: measured[k].rate)
            rate = measured[slowest].rate
            yield Verdict(
                "every call >= 10x Prism",
                block.title,
                f"slowest {_short(slowest)}: {_times(rate, block.prism)}",
                None if not block.prism else rate >= 10 * block.prism,
            )
        if block.memory_mb:
            peak = max(block.memory_mb)
            yield Verdict("worker memory < 150 MB", block.title, f"{peak:.0f} MiB", peak < 150)
    for then, now in versions:
        found = changes(then, now).get("link_page")
        if found:
            yield Verdict(
                f"link page within 10% of {then.version} (req/s)",
                now.title,
                f"{found[0]:+.0%} (CPU per request {found[1]:+.0%})",
                found[0] >= -0.10,
            )
    for small, large in pairs:
        grown = changes(small, large)
        if grown:
            where = f"{BACKEND_NAMES[small.backend]} {large.groups:,} vs {small.groups:,}"
            worst_cpu = max(grown, key=lambda k: grown[k][1])
            worst_rate = min(grown, key=lambda k: grown[k][0])
            yield Verdict(
                "every call within 10% at the large size (CPU per request)",
                where,
                f"worst {_short(worst_cpu)}: {grown[worst_cpu][1]:+.0%}",
                grown[worst_cpu][1] <= 0.10,
            )
            yield Verdict(
                "every call within 10% at the large size (req/s)",
                where,
                f"worst {_short(worst_rate)}: {grown[worst_rate][0]:+.0%}",
                grown[worst_rate][0] >= -0.10,
            )
        if small.memory_mb and large.memory_mb:
            growth = max(large.memory_mb) / max(small.memory_mb) - 1
            where = f"{BACKEND_NAMES[small.backend]} {large.groups:,} vs {small.groups:,}"
            yield Verdict(
                "worker memory flat with data size", where, f"{growth:+.0%}", growth <= 0.10
            )


def verdict_table(found: list[Verdict]) -> Iterator[str]:
    rows = [
        (v.target, v.where, v.figure, "n/a" if v.met is None else ("yes" if v.met else "NO"))
        for v in found
    ]
    widths = [
        max(len(row[n]) for row in [("target", "where", "figure", "met"), *rows]) for n in range(3)
    ]
    for row in [("target", "where", "figure", "met"), *rows]:
        yield (
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
            + "  "
            + row[3]
        )


def _short(key: str) -> str:
    return LABELS[key].split(":")[0]


def _share(key: str, rate: float, ceiling: float | None) -> str:
    """A share of grouplink's own ceiling (none for Synapse, another server)."""
    if key in SYNAPSE:
        return ""
    return f"{rate / ceiling:.0%}" if ceiling else "n/a"


def _prism(key: str, rate: float, block: Block) -> str:
    return "" if key in SYNAPSE else _times(rate, block.prism)


def _times(rate: float, prism: float | None) -> str:
    return f"{rate / prism:.1f}x" if prism else "n/a"


def _change(before: float, after: float) -> str:
    return f"{after / before - 1:+.0%}" if before else "n/a"
