"""The statements of people leaving a group, taken out or kept out, for use cases run
on the driver (:mod:`grouplink.store.driver`); the caller holds the group's lock
(:mod:`grouplink.store.locks`)."""

from __future__ import annotations

from grouplink.store.driver import Record, Statement, Tx


def participants_among(tx: Tx, group_pk: int, business_id: str, keys: list[str]) -> list[Record]:
    """The participants of the group whose wa_id or user_id is one of ``keys``: their
    ``pk``, ``wa_id`` and ``user_id``."""
    return tx.rows(
        _PARTICIPANTS_AMONG, group=group_pk, business_id=business_id, keys=tx.array(keys)
    )


_PARTICIPANTS_AMONG = Statement(
    "SELECT p.pk, p.wa_id, p.user_id FROM participants m JOIN people p ON p.pk = m.person_pk"
    " WHERE m.group_pk = :group AND p.business_id = :business_id"
    " AND (p.wa_id IN (SELECT value FROM json_each(:keys))"
    " OR p.user_id IN (SELECT value FROM json_each(:keys)))",
    postgres="SELECT p.pk, p.wa_id, p.user_id FROM participants m"
    " JOIN people p ON p.pk = m.person_pk"
    " WHERE m.group_pk = :group AND p.business_id = :business_id"
    " AND (p.wa_id = ANY(:keys::text[]) OR p.user_id = ANY(:keys::text[]))",
)


def drop(tx: Tx, group_pk: int, person_pks: list[int]) -> dict[int, int | None]:
    """Take people out of the group (the caller counts them out with :func:`count_out`):
    person pk -> the pk of the link they came by (None: no link)."""
    gone = tx.rows(_DROP, group=group_pk, people=tx.array(person_pks))
    return {int(r.person_pk): None if r.link_pk is None else int(r.link_pk) for r in gone}


_DROP = Statement(
    "DELETE FROM participants WHERE group_pk = :group"
    " AND person_pk IN (SELECT value FROM json_each(:people)) RETURNING person_pk, link_pk",
    postgres="DELETE FROM participants WHERE group_pk = :group"
    " AND person_pk = ANY(:people::bigint[]) RETURNING person_pk, link_pk",
)


def count_out(tx: Tx, group_pk: int, gone: int, now: int) -> None:
    tx.run(_COUNT_OUT, group=group_pk, gone=gone, now=now)


_COUNT_OUT = Statement(
    "UPDATE groups SET participant_count = participant_count - :gone, updated_at = :now"
    " WHERE pk = :group"
)


def ban(tx: Tx, group_pk: int, person_pk: int, by: str, now: int) -> None:
    """Keep this person (not a participant now) from coming back through any link."""
    tx.run(_BAN, group=group_pk, person=person_pk, now=now, by=by)


_BAN = Statement(
    "INSERT INTO bans (group_pk, person_pk, created_at, created_by)"
    " VALUES (:group, :person, :now, :by)"
)


def set_role(tx: Tx, group_pk: int, business_id: str, wa_id: str, role: str) -> bool:
    """Give the participant ``wa_id`` ``role``; False if they are not one."""
    changed = tx.row(_SET_ROLE, group=group_pk, business_id=business_id, wa_id=wa_id, role=role)
    return changed is not None


_THEM = "(SELECT pk FROM people WHERE business_id = :business_id AND wa_id = :wa_id)"
_SET_ROLE = Statement(
    f"UPDATE participants SET role = :role WHERE group_pk = :group AND person_pk = {_THEM}"
    " RETURNING person_pk"
)


def unban(tx: Tx, group_pk: int, business_id: str, wa_id: str) -> bool:
    """Let ``wa_id`` come back through the group's links; False if they were not banned."""
    gone = tx.row(_UNBAN, group=group_pk, business_id=business_id, wa_id=wa_id)
    return gone is not None


_UNBAN = Statement(
    f"DELETE FROM bans WHERE group_pk = :group AND person_pk = {_THEM} RETURNING person_pk"
)
