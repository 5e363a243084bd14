"""How an invite link reads on the console: its title, state, figures and QR code."""

from __future__ import annotations

import re
from typing import Any

from fastapi.responses import Response
from markupsafe import Markup

from grouplink.domain.groups import JoinApprovalMode
from grouplink.domain.links import LinkState
from grouplink.services.invite_links import LinkDetails
from grouplink.web import format, qr

WORKING = (LinkState.ACTIVE, LinkState.PAUSED)  # what a reset would stop

STATE_WORDS = {
    LinkState.ACTIVE: "Active",
    LinkState.PAUSED: "Paused",
    LinkState.EXPIRED: "Expired",
    LinkState.USED_UP: "Used up",
    LinkState.REVOKED: "Revoked",
}
APPROVAL_WORDS = {
    JoinApprovalMode.AUTO_APPROVE: "Join at once",
    JoinApprovalMode.APPROVAL_REQUIRED: "Ask to join",
}


def title(link: LinkDetails) -> str:
    return format.link_title(link.name, link.is_primary)


def paused_until(link: LinkDetails) -> int | None:
    """Until when the link admits nobody, by its own pause or its group's."""
    pauses = [t for t in (link.paused_until, link.paused_by_group_until) if t is not None]
    return max(pauses) if pauses else None


def state_words(link: LinkDetails) -> str:
    until = paused_until(link)
    if link.state is LinkState.PAUSED and until is not None:
        return f"Paused until {format.moment(until)}"
    return STATE_WORDS[link.state]


def expiry_words(link: LinkDetails) -> str:
    if link.expires_at is None:
        return "Never expires"
    verb = "Expired" if link.state is LinkState.EXPIRED else "Expires"
    return f"{verb} {format.moment(link.expires_at)}"


def approval_words(link: LinkDetails, group_mode: JoinApprovalMode) -> str:
    if link.approval_mode is None:
        return f"{APPROVAL_WORDS[group_mode]} (the group's rule)"
    return APPROVAL_WORDS[link.approval_mode]


def who_words(link: LinkDetails) -> str:
    if link.allowed_users is None:
        return "Anyone with the link"
    return f"Only {format.people(len(link.allowed_users))}"


def row(link: LinkDetails, detail_href: str) -> dict[str, Any]:
    """One line of the links list."""
    summary = [format.joined_of(link.counts.joined, link.member_limit), expiry_words(link)]
    if link.counts.opens:
        summary.append(f"opened by {format.visitors(link.counts.opens)}")
    if link.counts.join_requests:
        summary.append(f"{link.counts.join_requests} asked to join")
    if link.approval_mode is not None:
        summary.append(APPROVAL_WORDS[link.approval_mode])
    if link.allowed_users is not None:
        summary.append(who_words(link))
    return {
        "id": link.id,
        "url": link.url,
        "title": title(link),
        "state": link.state.value,
        "state_words": state_words(link),
        "summary": " · ".join(summary),
        "href": detail_href,
        "working": link.state in WORKING,
    }


def facts(link: LinkDetails, group_mode: JoinApprovalMode) -> list[tuple[str, str]]:
    """The link's page: what it is and what it did."""
    counts = link.counts
    found = [
        ("State", state_words(link)),
        ("Joined", format.joined_of(counts.joined, link.member_limit)),
        ("Expiry", expiry_words(link)),
        ("New participants", approval_words(link, group_mode)),
        ("Who can use it", who_words(link)),
        ("Opened", f"{format.visitors(counts.opens)} (distinct visitors a day, added up)"),
        ("Asked to join", str(counts.join_requests)),
        ("Approved · rejected", f"{counts.approved} · {counts.rejected}"),
        ("Left since", str(counts.left)),
        ("Made", format.moment(link.created_at)),
    ]
    if link.revoked_at is not None:
        found.append(("Stopped", format.moment(link.revoked_at)))
    return found


def qr_svg(url: str, subject: str) -> Markup:
    return Markup(qr.svg(url, f"QR code of the invite link to {subject}"))


def qr_png(url: str, *names: str) -> Response:
    """The QR code as a PNG download named after ``names`` (the group, the link)."""
    slugs = [re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower() for name in names]
    stem = "-".join(slug for slug in slugs if slug) or "group"
    headers = {
        "Content-Disposition": f'attachment; filename="{stem}-invite-qr.png"',
        "Cache-Control": "no-store",  # the link inside changes on reset
        "X-Content-Type-Options": "nosniff",
    }
    return Response(qr.png(url), 200, headers, "image/png")
