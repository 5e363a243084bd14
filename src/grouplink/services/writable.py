"""The group a write changes, locked, once whoever acts may change it: for use cases
run on the driver (what :func:`grouplink.services.groups.writable_group` is to those
run through SQLAlchemy)."""

from __future__ import annotations

from typing import Any, TypeVar

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
    group = known(locks.lock_group(tx, business_id, group_id), group_id)
    if ability is not None:
        require(locks.role_of(tx, group, actor.wa_id), LinkManagers(group.link_managers), ability)
    return unsuspended(group)


G = TypeVar("G", bound=Any)


def known(group: G | None, group_id: str) -> G:
    if group is None:
        raise GroupUnknown(f"No group with id {group_id}")
    return group


def unsuspended(group: G) -> G:
    if group.suspended:
        raise GroupSuspended("This group is suspended and cannot be changed")
    return group
