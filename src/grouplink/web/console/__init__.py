"""The admin console ``/console``: the seed guide's screens, for a business signed in
with an API token and for people who run a group, signed in by phone.

Every screen reads through :mod:`grouplink.services.overview` and changes
things through the same services as the Graph API, which check the viewer's
role again under the group's lock: the console holds no rule of its own.
"""

from __future__ import annotations

from fastapi import APIRouter

from grouplink.inputs import FORM_TEXT
from grouplink.web.console import (
    access,
    audit,
    groups,
    insights,
    invite,
    links,
    members,
    requests,
    sandbox_inbox,
    send_invite,
    settings,
)

# Every console form is checked for unusable text (the link page is not a console route).
router = APIRouter(include_in_schema=False, dependencies=FORM_TEXT)
for module in (
    access,
    groups,
    invite,
    send_invite,
    links,
    insights,
    settings,
    requests,
    members,
    audit,
    sandbox_inbox,
):
    router.include_router(module.router, prefix="/console")

__all__ = ["router"]
