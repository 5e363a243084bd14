"""The "Log" screen: the group's audit log in words, filtered by action family and door
(a plain GET form, so it works without scripts), paged, and as CSV for a spreadsheet.

Only the owner and the admins see it (``Ability.MODERATE``), as the Graph API's
``audit_log`` call shows it to the business.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import Response, StreamingResponse

from grouplink.domain.permissions import Ability
from grouplink.services import audit_log
from grouplink.services.audit_log import Entry, LinkRef
from grouplink.services.overview import GroupView
from grouplink.web import format
from grouplink.web.console.common import Console, ConsoleDep, group_frame, group_path, load_group

router = APIRouter()

PAGE_SIZE = 25
CSV_BATCH = 500
FAMILIES = (
    ("", "Everything"),
    ("group", "Group"),
    ("link", "Invite links"),
    ("join_request", "Join requests"),
    ("participants", "People"),
)
DOOR_WORDS = {
    "graph": "API",
    "console": "Console",
    "link_page": "Link page",
    "sandbox": "Sandbox",
    "system": "Automatic",
}
SETTING_WORDS = {
    "subject": "name",
    "description": "description",
    "picture": "picture",
    "join_approval_mode": "approval rule",
    "link_managers": "who manages links",
    "links_paused_until": "link pause",
    "link_rotation_days": "link rotation",
}


@router.get("/groups/{group_id}/log")
async def log_screen(
    console: ConsoleDep,
    group_id: str,
    action: str = "",
    door: str = "",
    after: str | None = None,
    before: str | None = None,
) -> Response:
    group = await load_group(console, group_id, Ability.MODERATE)
    family, door = _family(action), _door(door)
    page = await audit_log.read_log(
        console.web.core,
        group.business_id,
        group.id,
        console.viewer.actor(),
        action=family + "." if family else None,
        door=door or None,
        limit=PAGE_SIZE,
        after=after,
        before=before,
    )
    here = group_path(group.id, "log")
    filters = {k: v for k, v in (("action", family), ("door", door)) if v}
    return console.render(
        "console/audit.html",
        **group_frame(console, group, "log"),
        families=FAMILIES,
        doors=DOOR_WORDS,
        family=family,
        door=door,
        entries=[_row(entry) for entry in page.items],
        filtered=bool(filters),
        csv_href=group_path(group.id, "log.csv") + _query(filters),
        older=here + _query({**filters, "after": page.after}) if page.has_next else None,
        newer=here + _query({**filters, "before": page.before}) if page.has_previous else None,
    )


@router.get("/groups/{group_id}/log.csv")
async def log_csv(console: ConsoleDep, group_id: str, action: str = "", door: str = "") -> Response:
    """The whole filtered log, newest first, read and sent in batches."""
    group = await load_group(console, group_id, Ability.MODERATE)
    family, door = _family(action), _door(door)
    rows = _csv_rows(console, group, family + "." if family else None, door or None)
    name = f"audit-log-{group.id}.csv"
    return StreamingResponse(
        rows,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


CSV_HEADER = (
    "time_utc",
    "action",
    "door",
    "actor",
    "token_id",
    "wa_id",
    "target",
    "invite_link_id",
    "summary",
    "details",
)


async def _csv_rows(
    console: Console, group: GroupView, action: str | None, door: str | None
) -> AsyncIterator[str]:
    yield _csv_line(CSV_HEADER)
    after = None
    while True:
        page = await audit_log.read_log(
            console.web.core,
            group.business_id,
            group.id,
            console.viewer.actor(),
            action=action,
            door=door,
            limit=CSV_BATCH,
            after=after,
        )
        for entry in page.items:
            yield _csv_line(_csv_cells(entry))
        if not page.has_next:
            return
        after = page.after


def _csv_cells(entry: Entry) -> tuple[str, ...]:
    target = entry.target
    person = entry.who.person
    return (
        datetime.fromtimestamp(entry.at / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        entry.action,
        entry.door,
        entry.who.kind,
        entry.who.token_id or "",
        person.wa_id if person else "",
        _target_text(entry),
        target.link.id if target.link else "",
        sentence(entry),
        json.dumps(entry.details, separators=(",", ":"), sort_keys=True),
    )


def _target_text(entry: Entry) -> str:
    """``participants:15550100001 15550100002``, ``invite_link:<id>``, ``group:<id>``."""
    target = entry.target
    if target.ids:
        return f"{target.kind}:{' '.join(target.ids)}"
    if target.kind == "invite_link" and target.link is not None:
        return f"invite_link:{target.link.id}"
    return f"group:{target.group_id}"


def _csv_line(cells: tuple[str, ...]) -> str:
    out = io.StringIO()
    csv.writer(out).writerow([safe_cell(cell) for cell in cells])
    return out.getvalue()


def safe_cell(value: str) -> str:
    """A spreadsheet runs a cell that starts with = + - @ (or a tab or CR) as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _family(value: str) -> str:
    return value if value in dict(FAMILIES) else ""


def _door(value: str) -> str:
    return value if value in DOOR_WORDS else ""


def _query(params: Mapping[str, str | None]) -> str:
    kept = {k: v for k, v in params.items() if v}
    return "?" + urlencode(kept) if kept else ""


def _row(entry: Entry) -> dict[str, str]:
    at = datetime.fromtimestamp(entry.at / 1000, UTC)
    return {
        "text": sentence(entry),
        "door": DOOR_WORDS.get(entry.door, entry.door),
        "when": format.moment(entry.at),
        "iso": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "family": entry.action.partition(".")[0],
    }


# --- the entry in words ------------------------------------------------------------------


def sentence(entry: Entry) -> str:
    """``+1 555-010-0001 joined through Poster at the library``."""
    return f"{_who(entry)} {_did(entry)}"


def _who(entry: Entry) -> str:
    who = entry.who
    if who.person is not None:
        return format.display_phone(who.person.wa_id)
    if who.kind == "business":
        return f"The business (token {who.token_id[:6]}…)" if who.token_id else "The business"
    return "grouplink"


def _link(link: LinkRef | None) -> str:
    if link is None:
        return "a link"
    if link.name:
        return link.name
    return "the main link" if link.is_primary else "an unnamed link"


def _people(wa_ids: tuple[str, ...]) -> str:
    phones = [format.display_phone(w) for w in wa_ids[:3]]
    more = len(wa_ids) - len(phones)
    return ", ".join(phones) + (f" and {more} more" if more > 0 else "")


def _did(entry: Entry) -> str:
    action, details, target = entry.action, entry.details, entry.target
    link, ids = _link(target.link), target.ids
    count = len(ids)
    simple = {
        "group.create": "created the group",
        "group.delete": "deleted the group",
        "group.suspend": "suspended the group",
        "group.unsuspend": "lifted the group's suspension",
        "link.create": f"made the link {link}",
        "link.revoke": f"revoked the link {link}",
        "link.rotate": "rotated the main link",
        "link.delete": "deleted the invite link",
        "join_request.create": f"asked to join through {link}",
        "join_request.cancel": "withdrew their request to join",
        "join_request.approve": f"approved {count} join request{'s' if count != 1 else ''}",
        "join_request.reject": f"rejected {count} join request{'s' if count != 1 else ''}",
        "participants.leave": "left the group",
        "participants.remove": f"removed {_people(ids)}",
        "participants.promote": f"made {_people(ids)} an admin",
        "participants.demote": f"dismissed {_people(ids)} as admin",
        "participants.ban": f"banned {_people(ids)}",
        "participants.unban": f"let {_people(ids)} come back",
    }
    if action in simple:
        return simple[action]
    if action == "group.update":
        changed = [
            word
            for key, word in SETTING_WORDS.items()
            if key in details and (key != "picture" or details[key])
        ]
        return "changed the group's " + (", ".join(changed) or "settings")
    if action == "link.update":
        if set(details) == {"paused_until"}:
            return f"{'paused' if details['paused_until'] else 'resumed'} the link {link}"
        if set(details) == {"name"}:  # the link's name then, not now
            return f"renamed a link to {details['name']}"
        return f"changed the link {link}"
    if action == "link.reset":
        if details.get("scope") == "primary":
            return "reset the main link"
        ended = int(details.get("links_ended") or 0)
        return "reset the invite link" + (f", stopping {ended} links" if ended > 1 else "")
    if action == "participants.add":
        if entry.who.person is not None and ids == (entry.who.person.wa_id,):
            return f"joined through {link}"
        return f"added {_people(ids)}" + (f" (asked through {link})" if target.link else "")
    return f"did {action}"
