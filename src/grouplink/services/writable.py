"""The group a write changes, locked, once whoever acts may change it: for use cases
run on the driver (what :func:`grouplink.services.groups.writable_group` is to those
run through SQLAlchemy)."""

from __future__ import annotations

from grouplink.domain.errors import GroupSuspended, GroupUnknown
from grouplink.domain.groups import LinkManagers
from grouplink.domain.permissions import Ability, require
from grouplink.services.core import Actor
from grouplink.store import locks
from grouplink.store.driver import Record, Tx


def writable_group_in(
    tx: Tx, business_id: str, group_id: str, actor: Actor, ability: Ability | None
) -> Record:
    """The group, locked for this transaction, once ``actor`` may do ``ability`` to it.

    Unknown and suspended groups refuse writes. The role is read under the lock, so an
    admin dismissed a moment ago can no longer act. ``None`` skips the role check, for
    the one write a participant makes on themselves: leaving.
    """
    group = locks.lock_group(tx, business_id, group_id)
    if group is None:
        raise GroupUnknown(f"No group with id {group_id}")
    if ability is not None:
        role = locks.role_of(tx, group, actor.wa_id)
        require(role, LinkManagers(group.link_managers), ability)
    if group.suspended:
        raise GroupSuspended("This group is suspended and cannot be changed")
    return group
