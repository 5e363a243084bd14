"""Participants leaving or being removed; removal bans them from every link."""

from __future__ import annotations

from typing import Any

from grouplink.domain import events, ids
from grouplink.domain.days import utc_day
from grouplink.domain.errors import InvalidParameter, NotParticipant
from grouplink.domain.people import MAX_PER_CALL, UserRef
from grouplink.domain.people import clean_user_refs as clean_people
from grouplink.domain.permissions import Ability, Role
from grouplink.services.audit_by_link import audit_by_link
from grouplink.services.core import Actor, Core
from grouplink.services.writable import writable_group_in
from grouplink.store import departures, figures, journal
from grouplink.store.driver import Record, Tx


def clean_user_refs(raw: object) -> list[UserRef]:
    return clean_people(raw, "participants", MAX_PER_CALL)


async def remove_participants(
    core: Core, business_id: str, group_id: str, refs: list[UserRef], actor: Actor
) -> str:
    """Remove all of them or none; each removed person is banned from the group's links."""
    request_id = ids.request_id()
    return await core.db.run(
        lambda tx: _remove(tx, core, business_id, group_id, refs, actor, request_id)
    )


def _remove(
    tx: Tx,
    core: Core,
    business_id: str,
    group_id: str,
    refs: list[UserRef],
    actor: Actor,
    request_id: str,
) -> str:
    now = core.clock()
    group = writable_group_in(tx, business_id, group_id, actor, Ability.MODERATE)
    keys = [ref.user_id or ref.wa_id or "" for ref in refs]
    among = departures.participants_among(tx, group.pk, business_id, keys)
    by_key = {p.wa_id: p for p in among} | {p.user_id: p for p in among}
    found: dict[int, tuple[UserRef, Record]] = {}
    missing = []
    for ref, key in zip(refs, keys, strict=True):
        person = by_key.get(key)
        if person is None or (ref.user_id is not None and person.user_id != ref.user_id):
            missing.append(ref.input)
        else:
            found.setdefault(person.pk, (ref, person))
    if missing:
        raise NotParticipant("Not participants of this group: " + ", ".join(missing))
    removed = [
        events.person(person.user_id, person.wa_id, input=ref.input)
        for ref, person in found.values()
    ]
    came_by = _drop(tx, group, list(found), now)
    for person_pk in found:
        departures.ban(tx, group.pk, person_pk, actor.label, now)
    gone_event = events.participants_remove(group.id, now, removed, "business", request_id)
    journal.emit(tx, group.business_id, group.phone_number_id, gone_event, now)
    gone = [(came_by[pk], person.wa_id) for pk, (_, person) in found.items()]
    audit_by_link(tx, group, actor, "participants.remove", now, "wa_ids", gone)
    audit_by_link(tx, group, actor, "participants.ban", now, "wa_ids", gone)
    return request_id


async def leave_group(core: Core, business_id: str, group_id: str, wa_id: str, door: str) -> None:
    """A participant leaves on their own; they may come back through a link."""
    actor = Actor.person(wa_id, door)
    await core.db.run(lambda tx: _leave(tx, core, business_id, group_id, actor))


def _leave(tx: Tx, core: Core, business_id: str, group_id: str, actor: Actor) -> None:
    now = core.clock()
    assert actor.wa_id is not None
    group = writable_group_in(tx, business_id, group_id, actor, None)
    among = departures.participants_among(tx, group.pk, business_id, [actor.wa_id])
    person = next((p for p in among if p.wa_id == actor.wa_id), None)
    if person is None:
        raise NotParticipant(f"{actor.wa_id} is not a participant of this group")
    came_by = _drop(tx, group, [person.pk], now)
    removed: list[dict[str, Any]] = [events.person(person.user_id, person.wa_id)]
    left_event = events.participants_remove(group.id, now, removed, "participant", None)
    journal.emit(tx, group.business_id, group.phone_number_id, left_event, now)
    left = [(came_by[person.pk], person.wa_id)]
    audit_by_link(tx, group, actor, "participants.leave", now, "wa_ids", left)


def _drop(tx: Tx, group: Record, person_pks: list[int], now: int) -> dict[int, int | None]:
    """Take people out of the group; each counts as having left the link they came by.
    Person pk -> that link's pk (None: they came by no link)."""
    came_by = departures.drop(tx, group.pk, person_pks)
    figures.add_each_in(tx, came_by.values(), utc_day(now), "left")
    departures.count_out(tx, group.pk, len(person_pks), now)
    return came_by


async def set_admin(
    core: Core, business_id: str, group_id: str, wa_id: str, admin: bool, actor: Actor
) -> None:
    """Make a participant an admin, or dismiss them as admin (they stay a member)."""
    role = Role.ADMIN if admin else Role.MEMBER
    await core.db.run(lambda tx: _set_role(tx, core, business_id, group_id, wa_id, role, actor))


def _set_role(
    tx: Tx, core: Core, business_id: str, group_id: str, wa_id: str, role: Role, actor: Actor
) -> None:
    now = core.clock()
    group = writable_group_in(tx, business_id, group_id, actor, Ability.MODERATE)
    if not departures.set_role(tx, group.pk, business_id, wa_id, role):
        raise NotParticipant(f"{wa_id} is not a participant of this group")
    journal.audit(
        tx,
        business_id=business_id,
        actor=actor,
        action="participants.promote" if role is Role.ADMIN else "participants.demote",
        now=now,
        group_pk=group.pk,
        wa_ids=[wa_id],
    )


async def unban(core: Core, business_id: str, group_id: str, wa_id: str, actor: Actor) -> None:
    """Let a removed person come back through the group's links."""
    await core.db.run(lambda tx: _unban(tx, core, business_id, group_id, wa_id, actor))


def _unban(tx: Tx, core: Core, business_id: str, group_id: str, wa_id: str, actor: Actor) -> None:
    now = core.clock()
    group = writable_group_in(tx, business_id, group_id, actor, Ability.MODERATE)
    if not departures.unban(tx, group.pk, business_id, wa_id):
        raise InvalidParameter(f"{wa_id} is not banned from this group")
    journal.audit(
        tx,
        business_id=business_id,
        actor=actor,
        action="participants.unban",
        now=now,
        group_pk=group.pk,
        wa_ids=[wa_id],
    )
