"""The lock every write to a group takes first, for use cases run on the driver
(:mod:`grouplink.store.driver`), and the role of whoever asks, read under it.

Every write to a group, its links, participants and requests locks the group row
first, so writes to one group are serial and invariants (capacity, revoked links,
decided requests) hold under any concurrency. Locking a group to change it also
marks its cached reads stale once the transaction ends and, on PostgreSQL, announces
the change to every process in the same statement (delivered only on commit).
"""

from __future__ import annotations

from grouplink.domain import ids
from grouplink.domain.permissions import Role
from grouplink.store.changes import group_slot, group_slot_sql
from grouplink.store.driver import Record, Statement, Tx
from grouplink.store.notifications import CHANNEL
from grouplink.store.queries import ROLE


def lock_group_of_code(tx: Tx, code: str) -> Record | None:
    """The group of the link ``code``, deleted or not, locked; None for an unknown code."""
    if not ids.is_invite_code(code):
        return None
    return _locked(tx, tx.row(_GROUP_OF_CODE, code=code))


def lock_group(tx: Tx, business_id: str, group_id: str) -> Record | None:
    """A live group of this business, locked; None if it has none by that id."""
    if not (group_id.isascii() and group_id.isalnum()):
        return None  # no id has another shape; never hand odd bytes to the database
    return _locked(tx, tx.row(_LIVE_GROUP, business_id=business_id, group_id=group_id))


def _locked(tx: Tx, group: Record | None) -> Record | None:
    if group is not None:
        tx.changed(group_slot(group.pk), announced=tx.postgres)
    return group


def _locking(sql: str) -> Statement:
    """``sql``, and on PostgreSQL its row locked and announced (see the module's doc)."""
    slot = group_slot_sql("pk")
    return Statement(
        sql,
        postgres=f"SELECT *, pg_notify('{CHANNEL}', ({slot})::text) AS announced"
        f" FROM ({sql} FOR UPDATE) AS locked",
    )


_GROUP_OF_CODE = _locking(
    "SELECT * FROM groups WHERE pk = (SELECT group_pk FROM invite_links WHERE code = :code)"
)
_LIVE_GROUP = _locking(
    "SELECT * FROM groups WHERE id = :group_id AND business_id = :business_id"
    " AND deleted_at IS NULL"
)


def role_of(tx: Tx, group: Record, wa_id: str | None) -> Role | None:
    """:func:`grouplink.store.queries.role_of`, in a use case on the driver."""
    if wa_id is None:
        return Role.OWNER  # the caller found the group under the business's own id
    found = tx.row(_ROLE, group=group.pk, business_id=group.business_id, wa_id=wa_id)
    return None if found is None else Role(found.role)


_ROLE = Statement.of(ROLE)
