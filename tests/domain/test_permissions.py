"""Who may do what: the table every door asks (domain/permissions.py)."""

from __future__ import annotations

import pytest

from grouplink.domain.errors import NotAllowed
from grouplink.domain.groups import LinkManagers
from grouplink.domain.permissions import Ability, Role, abilities, require

EVERYTHING = set(Ability)
ADMIN = EVERYTHING - {Ability.DELETE}


@pytest.mark.parametrize("managers", list(LinkManagers))
def test_the_business_may_do_everything_and_admins_all_but_delete(managers: LinkManagers) -> None:
    assert abilities(Role.OWNER, managers) == EVERYTHING
    assert abilities(Role.ADMIN, managers) == ADMIN


def test_members_manage_the_link_only_when_all_participants_may() -> None:
    assert abilities(Role.MEMBER, LinkManagers.ADMINS) == {Ability.VIEW}
    assert abilities(Role.MEMBER, LinkManagers.ALL) == {Ability.VIEW, Ability.MANAGE_LINK}


@pytest.mark.parametrize("managers", list(LinkManagers))
def test_outsiders_may_do_nothing(managers: LinkManagers) -> None:
    assert abilities(None, managers) == frozenset()
    with pytest.raises(NotAllowed, match="participants"):
        require(None, managers, Ability.VIEW)


def test_a_refusal_says_who_may() -> None:
    with pytest.raises(NotAllowed) as refused:
        require(Role.MEMBER, LinkManagers.ADMINS, Ability.MANAGE_LINK)
    assert refused.value.details == "Only admins can manage this group's invite link"
    assert refused.value.code == 10 and refused.value.status == 403
    require(Role.MEMBER, LinkManagers.ALL, Ability.MANAGE_LINK)  # allowed: no error
    with pytest.raises(NotAllowed, match="business"):
        require(Role.ADMIN, LinkManagers.ALL, Ability.DELETE)
