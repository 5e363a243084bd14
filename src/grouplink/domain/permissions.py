"""Who may do what to a group: the one rule every door asks.

The business owns its groups and may do everything. A participant is an admin
or a member: admins run the group; members see it, and manage its invite link
only when the group lets all participants do so ("who can manage the invite
link"). Anyone else sees nothing: to them the group does not exist.
"""

from __future__ import annotations

from enum import StrEnum

from grouplink.domain.errors import NotAllowed
from grouplink.domain.groups import LinkManagers


class Role(StrEnum):
    OWNER = "owner"  # the business, through the Graph API or its console session
    ADMIN = "admin"
    MEMBER = "member"


class Ability(StrEnum):
    VIEW = "view"  # the group's info and its participants
    MANAGE_LINK = "manage_link"  # see, copy, share, reset and delete invite links
    EDIT = "edit"  # subject, description, picture, approval, who manages the link
    DECIDE = "decide"  # approve or reject join requests
    MODERATE = "moderate"  # remove participants, make or dismiss admins, unban
    DELETE = "delete"  # delete the whole group


_ADMIN = frozenset(Ability) - {Ability.DELETE}
_MEMBER = frozenset({Ability.VIEW})


def abilities(role: Role | None, link_managers: LinkManagers) -> frozenset[Ability]:
    if role is Role.OWNER:
        return frozenset(Ability)
    if role is Role.ADMIN:
        return _ADMIN
    if role is Role.MEMBER:
        return _MEMBER | {Ability.MANAGE_LINK} if link_managers is LinkManagers.ALL else _MEMBER
    return frozenset()


_REFUSALS = {
    Ability.VIEW: "Only the group's participants can see it",
    Ability.MANAGE_LINK: "Only admins can manage this group's invite link",
    Ability.EDIT: "Only admins can change this group's settings",
    Ability.DECIDE: "Only admins can approve or reject join requests",
    Ability.MODERATE: "Only admins can remove participants or change admins",
    Ability.DELETE: "Only the business that owns the group can delete it",
}


def require(role: Role | None, link_managers: LinkManagers, ability: Ability) -> None:
    if ability not in abilities(role, link_managers):
        raise NotAllowed(_REFUSALS[Ability.VIEW if role is None else ability])
