"""The rows a benchmark database holds: pure generators, no I/O.

One business owns the data, on as many phone numbers as the per-number group
limit asks for. Each group has two links (one ended by a reset, one working
primary link) and five participants (the first an admin); every person is in
five groups. Every tenth group requires approval to join, the rest let people
in at once. Integer keys are given explicitly (1..n per table), so the rows of
one table can point at another's without reading it back.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from grouplink.domain.groups import JoinApprovalMode, LinkManagers
from grouplink.domain.ids import BASE62, INVITE_CODE_LENGTH, LINK_ID_LENGTH
from grouplink.domain.links import LinkEnd, LinkState
from grouplink.domain.people import bsuid, country_of

Chunk = list[tuple[object, ...]]
CHUNK = 50_000

LOADER = "bench.load"  # who made the rows, in created_by / ended_by columns
PERSON_PREFIX = "1555"  # loaded people are 1555 and 7 digits: fictional US numbers


@dataclass(frozen=True, slots=True)
class Shape:
    groups: int
    links_per_group: int = 2  # an ended one, then the working primary link
    participants_per_group: int = 5
    approval_every: int = 10  # every tenth group requires approval
    groups_per_number: int = 10_000  # Meta's limit of groups per business number

    def __post_init__(self) -> None:
        if self.groups < 2 * self.approval_every:
            raise ValueError(f"at least {2 * self.approval_every} groups")
        if self.groups > 10_000_000:
            raise ValueError("at most 10,000,000 groups (people are 1555 and 7 digits)")

    @property
    def people(self) -> int:
        return self.groups  # each person is in participants_per_group groups

    @property
    def numbers(self) -> int:
        return -(-self.groups // self.groups_per_number)

    @property
    def signature(self) -> str:
        return (
            f"groups={self.groups} links={self.links_per_group} "
            f"participants={self.participants_per_group} approval_every={self.approval_every}"
        )

    def requires_approval(self, group_pk: int) -> bool:
        return group_pk % self.approval_every == 0

    def working_link_pk(self, group_pk: int) -> int:
        return group_pk * self.links_per_group

    def member_pks(self, group_pk: int) -> list[int]:
        """Distinct people of a group: spread evenly over everyone."""
        stride = self.people // self.participants_per_group
        return [
            (group_pk - 1 + j * stride) % self.people + 1
            for j in range(self.participants_per_group)
        ]


@dataclass(frozen=True, slots=True)
class Owner:
    business_id: str
    number_ids: list[str]
    people_secret: str  # business id + server secret: seeds the BSUIDs, as the server does


class Bsuid:
    """The server's BSUID (``grouplink.domain.people.bsuid``) for many numbers of one
    country: the country lookup is done once, the HMAC per number. Checked against
    the real function on the first number, so a change there cannot go unnoticed."""

    def __init__(self, people_secret: str, sample_wa_id: str) -> None:
        self.key = people_secret.encode()
        self.country = country_of(sample_wa_id)
        if self(sample_wa_id) != bsuid(people_secret, sample_wa_id):
            raise RuntimeError("bench.dataset.Bsuid no longer matches grouplink's bsuid()")

    def __call__(self, wa_id: str) -> str:
        digest = hmac.new(self.key, wa_id.encode(), hashlib.sha256).digest()
        digits = str(int.from_bytes(digest[:9], "big")).zfill(20)[-20:]
        return f"{self.country}.{digits}"


def person_wa_id(person_pk: int) -> str:
    return f"{PERSON_PREFIX}{person_pk:07d}"


def random_text(rng: random.Random, length: int) -> str:
    return "".join(rng.choices(BASE62, k=length))


class Rows:
    """Every table's rows, in chunks, in an order that satisfies foreign keys."""

    def __init__(self, shape: Shape, owner: Owner, now_ms: int, seed: int = 1) -> None:
        self.shape = shape
        self.owner = owner
        self.now = now_ms
        self.seed = seed

    def phone_numbers(self) -> Iterator[Chunk]:
        yield [
            (number_id, self.owner.business_id, f"1555{n:07d}", self.now)
            for n, number_id in enumerate(self.owner.number_ids)
        ]

    def groups(self) -> Iterator[Chunk]:
        rng = random.Random(self.seed)
        shape, owner, now = self.shape, self.owner, self.now
        for start in range(1, shape.groups + 1, CHUNK):
            chunk: Chunk = []
            for pk in range(start, min(start + CHUNK, shape.groups + 1)):
                mode = (
                    JoinApprovalMode.APPROVAL_REQUIRED
                    if shape.requires_approval(pk)
                    else JoinApprovalMode.AUTO_APPROVE
                )
                number = owner.number_ids[(pk - 1) // shape.groups_per_number]
                chunk.append(
                    (
                        pk,
                        random_text(rng, 24),
                        owner.business_id,
                        number,
                        f"Group {pk}",
                        f"Benchmark group number {pk}, loaded by {LOADER}.",
                        mode.value,
                        LinkManagers.ADMINS.value,
                        False,
                        shape.participants_per_group,
                        now,
                        now,
                    )
                )
            yield chunk

    def invite_links(self) -> Iterator[Chunk]:
        rng = random.Random(self.seed + 1)
        shape, now = self.shape, self.now
        per = shape.links_per_group
        for start in range(1, shape.groups + 1, CHUNK // per):
            chunk: Chunk = []
            for group_pk in range(start, min(start + CHUNK // per, shape.groups + 1)):
                for n in range(per):
                    working = n == per - 1
                    chunk.append(
                        (
                            (group_pk - 1) * per + n + 1,
                            random_text(rng, LINK_ID_LENGTH),
                            group_pk,
                            random_text(rng, INVITE_CODE_LENGTH),
                            working,  # only the working primary is the primary
                            (LinkState.ACTIVE if working else LinkState.REVOKED).value,
                            LOADER,
                            now,
                            None if working else now,
                            None if working else LOADER,
                            None if working else LinkEnd.RESET.value,
                        )
                    )
            yield chunk

    def people(self) -> Iterator[Chunk]:
        shape, owner, now = self.shape, self.owner, self.now
        user_id = Bsuid(owner.people_secret, person_wa_id(1))
        for start in range(1, shape.people + 1, CHUNK):
            chunk: Chunk = []
            for pk in range(start, min(start + CHUNK, shape.people + 1)):
                wa_id = person_wa_id(pk)
                chunk.append((pk, owner.business_id, wa_id, user_id(wa_id), now))
            yield chunk

    def participants(self) -> Iterator[Chunk]:
        shape, now = self.shape, self.now
        per = shape.participants_per_group
        for start in range(1, shape.groups + 1, CHUNK // per):
            chunk: Chunk = []
            for group_pk in range(start, min(start + CHUNK // per, shape.groups + 1)):
                link_pk = shape.working_link_pk(group_pk)
                for n, person_pk in enumerate(shape.member_pks(group_pk)):
                    role = "admin" if n == 0 else "member"
                    chunk.append((group_pk, person_pk, role, link_pk, now))
            yield chunk


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    columns: tuple[str, ...]
    rows: int
    chunks: Callable[[], Iterator[Chunk]]


def tables(rows: Rows) -> list[Table]:
    """What a loader writes, table by table, in foreign-key order."""
    shape = rows.shape
    return [
        Table(
            "phone_numbers",
            ("id", "business_id", "display_phone_number", "created_at"),
            shape.numbers,
            rows.phone_numbers,
        ),
        Table(
            "groups",
            (
                "pk",
                "id",
                "business_id",
                "phone_number_id",
                "subject",
                "description",
                "join_approval_mode",
                "link_managers",
                "suspended",
                "participant_count",
                "created_at",
                "updated_at",
            ),
            shape.groups,
            rows.groups,
        ),
        Table(
            "invite_links",
            (
                "pk",
                "id",
                "group_pk",
                "code",
                "is_primary",
                "state",
                "created_by",
                "created_at",
                "ended_at",
                "ended_by",
                "end_reason",
            ),
            shape.groups * shape.links_per_group,
            rows.invite_links,
        ),
        Table(
            "people",
            ("pk", "business_id", "wa_id", "user_id", "created_at"),
            shape.people,
            rows.people,
        ),
        Table(
            "participants",
            ("group_pk", "person_pk", "role", "link_pk", "joined_at"),
            shape.groups * shape.participants_per_group,
            rows.participants,
        ),
    ]
