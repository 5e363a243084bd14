"""Who did something, as the answers show it: the business, a participant, or grouplink
itself; read back from the actor labels that links and the audit log store."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from grouplink.domain.people import bsuid


@dataclass(frozen=True, slots=True)
class PersonRef:
    user_id: str
    wa_id: str


@dataclass(frozen=True, slots=True)
class Who:
    """The business (with its token, when known), a participant, or grouplink."""

    kind: Literal["business", "participant", "system"]
    token_id: str | None = None
    person: PersonRef | None = None


def who_of(label: str, people_secret: str, token_id: str | None = None) -> Who:
    """``business:<id>``, ``person:<wa_id>``, or ``system`` (``cli`` in older rows)."""
    kind, _, rest = label.partition(":")
    if kind == "person":
        return Who("participant", person=PersonRef(bsuid(people_secret, rest), rest))
    if kind == "business":
        return Who("business", token_id=token_id)
    return Who("system")
