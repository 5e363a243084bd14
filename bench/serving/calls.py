"""The measured calls, in the order they run, and the request lines each one sends
(the format calls.lua reads: METHOD, path and an optional JSON body, tab-separated)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from bench.serving.targets import Group, Targets

VERSION = "v23.0"
FIELDS = (
    "subject,description,participants,join_approval_mode,suspended,"
    "creation_timestamp,total_participant_count"
)
WHATSAPP = json.dumps({"messaging_product": "whatsapp"}, separators=(",", ":"))
YEAR_AGO = int(time.time()) - 365 * 86_400  # the insights call reads a year of history


@dataclass(frozen=True, slots=True)
class Call:
    key: str  # names its file and its row
    label: str
    authorized: bool  # sends the business's bearer token
    lines: Callable[[Targets], list[str]]
    warmup_lines: Callable[[Targets], list[str]] | None = None  # when a line works only once
    server_env: Mapping[str, str] = field(default_factory=dict)  # settings the call needs

    @property
    def once(self) -> bool:
        """Each line works only once (an approval): runs of the call share them out."""
        return self.warmup_lines is not None


def _approve(pending_id: str) -> str:
    body = {"messaging_product": "whatsapp", "join_requests": [pending_id]}
    return json.dumps(body, separators=(",", ":"))


def _reset(group: Group) -> str:
    return f"POST\t/{VERSION}/{group.id}/invite_link\t{WHATSAPP}"


def _join(group: Group) -> str:
    return f'POST\t/sandbox/invites/{group.code}/join\t{{"wa_id":"{{wa_id}}"}}'


def reset_lines(targets: Targets) -> list[str]:
    return [_reset(g) for g in targets.resets]


def _one(group: Group | None, line: Callable[[Group], str]) -> list[str]:
    return [] if group is None else [line(group)]


# The hot group's joins would fill WhatsApp's 1,024 in a second or two: its limit is raised
# for the run (a server setting, so every group's; the other joins fill none of theirs).
HOT_LIMIT = {"GROUPLINK_MAX_PARTICIPANTS": "100000000"}


CEILING = Call("ceiling", "ceiling: GET /healthz", False, lambda t: ["GET\t/healthz"])
CALLS = [
    CEILING,
    Call(
        "link_page", "link page: GET /{code}", False, lambda t: [f"GET\t/{g.code}" for g in t.reads]
    ),
    Call(
        "link_preview",
        "link preview: GET /pictures/{code}",
        False,
        lambda t: [f"GET\t/pictures/{g.code}" for g in t.reads],
    ),
    Call(
        "group_info",
        "GET /{group_id}?fields=(all 7)",
        True,
        lambda t: [f"GET\t/{VERSION}/{g.id}?fields={FIELDS}" for g in t.reads],
    ),
    Call(
        "get_link",
        "GET /{group_id}/invite_link",
        True,
        lambda t: [f"GET\t/{VERSION}/{g.id}/invite_link" for g in t.reads],
    ),
    Call(
        "insights",
        "GET /{group_id}/insights (a year)",
        True,
        lambda t: [f"GET\t/{VERSION}/{g.id}/insights?since={YEAR_AGO}" for g in t.reads],
    ),
    Call("reset_link", "POST /{group_id}/invite_link (reset)", True, reset_lines),
    Call("reset_hot", "reset (hot group)", True, lambda t: _one(t.hot_reset, _reset)),
    Call("join", "join through a link (auto-approve)", True, lambda t: [_join(g) for g in t.joins]),
    Call(
        "join_hot",
        "join (hot group)",
        True,
        lambda t: _one(t.hot_join, _join),
        server_env=HOT_LIMIT,
    ),
    Call(
        "approve",
        "approve a join request",
        True,
        lambda t: [
            f"POST\t/{VERSION}/{p.group_id}/join_requests\t{_approve(p.request_id)}"
            for p in t.approvals
        ],
        lambda t: [
            f"POST\t/{VERSION}/{p.group_id}/join_requests\t{_approve(p.request_id)}"
            for p in t.warmup_approvals
        ],
    ),
]
PRISM_LABEL = "Prism: POST /{group_id}/invite_link"


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("".join(line + "\n" for line in lines))
    return path
