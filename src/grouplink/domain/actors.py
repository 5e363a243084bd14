"""Who does something, and through which door: recorded in the audit log."""

from __future__ import annotations

from dataclasses import dataclass

# Where a change came in (WIRE.md, "Audit log").
DOORS = ("graph", "console", "link_page", "sandbox", "system")


@dataclass(frozen=True, slots=True)
class Actor:
    """Who does something, and through which door (for the audit log)."""

    label: str  # "business:<id>", "person:<wa_id>", "system"
    door: str  # one of DOORS
    wa_id: str | None = None  # set when a person acts: their role in the group decides
    token_id: str | None = None  # the API token a business acted with, when known

    @classmethod
    def business(cls, business_id: str, door: str = "graph", token_id: str | None = None) -> Actor:
        return cls(f"business:{business_id}", door, token_id=token_id)

    @classmethod
    def person(cls, wa_id: str, door: str) -> Actor:
        return cls(f"person:{wa_id}", door, wa_id)

    @classmethod
    def system(cls) -> Actor:
        """The server itself: on its own schedule (rotating links) or from the command line."""
        return cls("system", "system")
