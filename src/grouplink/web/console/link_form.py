"""The form that makes or edits an invite link: its fields as typed, and the Graph-named
body they stand for, which :func:`grouplink.domain.link_settings.clean_link_changes`
checks. Nothing here decides what a valid link is."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Annotated, Any

from fastapi import Depends

from grouplink.domain.errors import InvalidParameter
from grouplink.domain.link_settings import KEEP, NAME_MAX, LinkChanges, clean_link_changes
from grouplink.services.invite_links import LinkDetails
from grouplink.web import format
from grouplink.web.console.form_words import in_form_words
from grouplink.web.console.when import EXPIRY, KEEP_CHOICE, NONE_CHOICE, chosen_seconds
from grouplink.web.context import FormField

# How the form names the Graph fields the domain's sentences name.
LABELS = {
    "name": "Name",
    "expires": "The expiry",
    "member_limit": "Member limit",
    "approval": "New participants",
    "allowed": "The list of people",
}
GROUP_RULE = "group"  # the link follows the group's "approve new participants"
_LIST_SEPARATORS = re.compile(r"[\n,;]+")


@dataclass(frozen=True, slots=True)
class LinkForm:
    """The form's fields, exactly as typed (so a refused form shows them again)."""

    name: str = ""
    expires: str = NONE_CHOICE
    expires_at: str = ""
    member_limit: str = ""
    approval: str = GROUP_RULE  # "" when the form sent none: as it is
    allowed: str = ""  # phone numbers, one a line or separated by commas

    @classmethod
    def of(cls, link: LinkDetails) -> LinkForm:
        """The form of a link as it is now, for editing it."""
        people = link.allowed_users or []
        return cls(
            name=link.name,
            expires=KEEP_CHOICE,
            expires_at=format.datetime_field(link.expires_at),
            member_limit="" if link.member_limit is None else str(link.member_limit),
            approval=link.approval_mode or GROUP_RULE,
            allowed="\n".join("+" + p.wa_id for p in people),
        )

    def fields(self) -> dict[str, str]:
        return asdict(self)


async def read_link_form(
    name: FormField = "",
    expires: FormField = KEEP_CHOICE,  # a form without the choice changes no expiry
    expires_at: FormField = "",
    member_limit: FormField = "",
    approval: FormField = "",
    allowed: FormField = "",
) -> LinkForm:
    return LinkForm(name, expires, expires_at, member_limit, approval, allowed)


LinkFormDep = Annotated[LinkForm, Depends(read_link_form)]


@dataclass(frozen=True, slots=True)
class Checked:
    """The changes a form asks for, or why each refused field was refused."""

    changes: LinkChanges
    errors: dict[str, str]  # form field -> the domain's sentence


def check(form: LinkForm, now_ms: int, *, was: LinkForm | None = None) -> Checked:
    """The form's changes; with ``was`` (the link's own form) only the fields changed.

    Each field is checked on its own, so that every refused field is marked at once.
    """
    body: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field, key, value in _body_items(form, was, now_ms, errors):
        try:
            clean_link_changes({key: value}, now_ms)
        except InvalidParameter as refused:
            errors[field] = in_form_words(refused.details, key, LABELS[field])
        body[key] = value
    if errors:
        return Checked(LinkChanges(), errors)
    return Checked(clean_link_changes(body, now_ms), {})


def _body_items(
    form: LinkForm, was: LinkForm | None, now_ms: int, errors: dict[str, str]
) -> list[tuple[str, str, Any]]:
    """(form field, body key, body value) of each field to send."""
    items: list[tuple[str, str, Any]] = []

    def changed(field: str) -> bool:
        return was is None or getattr(form, field) != getattr(was, field)

    if changed("name"):
        items.append(("name", "name", form.name))
    try:
        expiry = chosen_seconds(form.expires, form.expires_at, now_ms)
    except InvalidParameter as refused:
        errors["expires"] = refused.details
    else:
        if expiry is not KEEP:
            items.append(("expires", "expire_time", expiry))
    if changed("member_limit"):
        limit = form.member_limit.strip()
        items.append(("member_limit", "member_limit", limit or None))
    if form.approval and changed("approval"):
        mode = None if form.approval == GROUP_RULE else form.approval
        items.append(("approval", "join_approval_mode", mode))
    if was is None or _people(form.allowed) != _people(was.allowed):
        people = _people(form.allowed)
        items.append(("allowed", "allowed_users", [{"user": p} for p in people] or None))
    return items


def _people(text: str) -> list[str]:
    return [entry.strip() for entry in _LIST_SEPARATORS.split(text) if entry.strip()]


def context(
    form: LinkForm,
    errors: dict[str, str],
    *,
    group_rule: str,
    current_expiry: str = "",
) -> dict[str, Any]:
    """What ``console/link_form.html`` needs besides the group's frame."""
    return {
        "form": form.fields(),
        "errors": errors,
        "name_max": NAME_MAX,
        "expiry_options": EXPIRY.options(current_expiry),
        "approval_options": [
            (GROUP_RULE, f"The group's rule (now: {group_rule})"),
            ("auto_approve", "Join at once"),
            ("approval_required", "Ask to join: an admin approves each person"),
        ],
    }
