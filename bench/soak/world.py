"""What the clients know of the server, and the ledger of what it acknowledged.

The clients keep only what answers told them (a 2xx answer is an acknowledgement),
so that the end checks can hold the database to every one of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Link:
    id: str | None  # None until a listing names it (a reset answers only the URL)
    code: str
    primary: bool
    member_limit: int | None = None


@dataclass
class Group:
    id: str
    mode: str  # auto_approve or approval_required
    links: list[Link] = field(default_factory=list)  # working, as far as we know
    codes: list[str] = field(default_factory=list)  # every code it ever had
    members: set[str] = field(default_factory=set)
    pending: dict[str, str] = field(default_factory=dict)  # join request id -> wa_id


@dataclass
class Ledger:
    """Every acknowledged write, by what it claimed."""

    groups: set[str] = field(default_factory=set)
    links: dict[str, tuple[str, int | None, int | None]] = field(default_factory=dict)
    # link id -> (group id, member_limit, expire_time in unix seconds)
    reset_codes: dict[str, str] = field(default_factory=dict)  # new primary code -> group id
    revoked: set[str] = field(default_factory=set)  # link ids
    paused: list[tuple[str, int]] = field(default_factory=list)  # (link id, until in unix s)
    joined: list[tuple[str, str]] = field(default_factory=list)  # (group id, wa_id)
    requested: set[str] = field(default_factory=set)  # join request ids
    cancelled: set[str] = field(default_factory=set)
    approved: set[str] = field(default_factory=set)
    rejected: set[str] = field(default_factory=set)
    left: list[tuple[str, str]] = field(default_factory=list)  # (group id, wa_id)
    removed: list[tuple[str, str]] = field(default_factory=list)  # (group id, wa_id): banned

    def count(self) -> int:
        return (
            len(self.groups)
            + len(self.links)
            + len(self.reset_codes)
            + len(self.revoked)
            + len(self.paused)
            + len(self.joined)
            + len(self.requested)
            + len(self.cancelled)
            + len(self.approved)
            + len(self.rejected)
            + len(self.left)
            + len(self.removed)
        )


@dataclass
class World:
    groups: list[Group] = field(default_factory=list)
    ledger: Ledger = field(default_factory=Ledger)
    people: int = 0  # simulated people made so far
    returning: list[str] = field(default_factory=list)  # people who left: they may rejoin
    # What reads of groups showed: (group id, participants counted) above the limit.
    over_limit_seen: list[tuple[str, int]] = field(default_factory=list)
    reads: int = 0

    def new_person(self) -> str:
        self.people += 1
        return f"1555{self.people:07d}"  # fictional US numbers, 8 to 15 digits as required
