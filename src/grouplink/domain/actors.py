"""Who does something, and through which door: recorded in the audit log."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Actor:
    """Who does something, and through which door (for the audit log)."""

    label: str  # "business:<id>", "person:<wa_id>", "cli", "system"
    door: str  # "graph", "sandbox", "web", "cli", "system"
    wa_id: str | None = None  # set when a person acts: their role in the group decides

    @classmethod
    def business(cls, business_id: str, door: str = "graph") -> Actor:
        return cls(f"business:{business_id}", door)

    @classmethod
    def person(cls, wa_id: str, door: str) -> Actor:
        return cls(f"person:{wa_id}", door, wa_id)

    @classmethod
    def system(cls) -> Actor:
        """The server itself, on its own schedule (rotating links)."""
        return cls("system", "system")
