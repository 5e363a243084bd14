"""Mixed traffic: each actor picks a call at random, as a business and its people
would make them, and writes every acknowledged answer into the ledger.

Groups have few places (GROUPLINK_MAX_PARTICIPANTS) and their extra links small
member limits and short expiries, so that joins race for the last place, links
end while people use them, and refusals are as common as successes.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bench.soak.client import Answer, Client
from bench.soak.world import Group, Link, World

MP = {"messaging_product": "whatsapp"}
MAX_GROUPS = 24
MAX_LINKS = 6  # working links a group keeps, primary included


class Traffic:
    def __init__(
        self,
        client: Client,
        world: World,
        phone_number_id: str,
        rng: random.Random,
        max_participants: int,
    ) -> None:
        self.client, self.world, self.phone, self.rng = client, world, phone_number_id, rng
        self.max_participants = max_participants
        self.ops: list[tuple[Callable[[], Awaitable[None]], float]] = [
            (self.create_group, 1.0),
            (self.create_link, 3.0),
            (self.join, 12.0),
            (self.approve, 3.0),
            (self.reject, 1.0),
            (self.cancel, 0.5),
            (self.reset, 0.7),
            (self.revoke, 1.0),
            (self.pause, 1.0),
            (self.leave, 2.0),
            (self.remove, 1.0),
            (self.read_group, 3.0),
            (self.list_links, 1.0),
        ]

    async def run(self, until: float) -> None:
        calls, weights = zip(*self.ops, strict=True)
        while time.monotonic() < until:
            if len(self.world.groups) < 4:
                await self.create_group()
            else:
                await self.rng.choices(calls, weights)[0]()
            await asyncio.sleep(self.rng.uniform(0, 0.03))

    def _group(self) -> Group:
        return self.rng.choice(self.world.groups)

    async def create_group(self) -> None:
        if len(self.world.groups) >= MAX_GROUPS:
            return
        mode = self.rng.choices(["auto_approve", "approval_required"], [3, 1])[0]
        body = {**MP, "subject": f"Soak {self.world.people}", "join_approval_mode": mode}
        answer = await self.client.call("create group", "POST", f"/v23.0/{self.phone}/groups", body)
        if answer.ok:
            group = Group(answer.body["id"], mode)
            self.world.ledger.groups.add(group.id)
            self.world.groups.append(group)
            await self._sync_links(group)

    async def create_link(self) -> None:
        group = self._group()
        if len(group.links) >= MAX_LINKS:
            return
        body: dict[str, Any] = {**MP, "name": "soak", "member_limit": self.rng.randint(1, 4)}
        expires = None
        if self.rng.random() < 0.6:
            expires = int(time.time()) + self.rng.randint(4, 40)
            body["expire_time"] = expires
        if self.rng.random() < 0.3:
            body["join_approval_mode"] = self.rng.choice(["auto_approve", "approval_required"])
        answer = await self.client.call(
            "create link", "POST", f"/v23.0/{group.id}/invite_links", body
        )
        if answer.ok:
            link = Link(answer.body["id"], _code(answer.body["invite_link"]), False)
            link.member_limit = body["member_limit"]
            self.world.ledger.links[link.id or ""] = (group.id, link.member_limit, expires)
            group.links.append(link)
            group.codes.append(link.code)

    async def join(self) -> None:
        group = self._group()
        if not group.links:
            return
        link = self.rng.choice(group.links)
        returning = self.world.returning
        if returning and self.rng.random() < 0.3:
            wa_id = returning.pop(self.rng.randrange(len(returning)))
        else:
            wa_id = self.world.new_person()
        answer = await self.client.call(
            "join", "POST", f"/sandbox/invites/{link.code}/join", {"wa_id": wa_id}
        )
        if answer.ok and answer.body.get("status") == "joined":
            self.world.ledger.joined.append((group.id, wa_id))
            group.members.add(wa_id)
        elif answer.ok and answer.body.get("status") == "requested":
            request_id = answer.body["join_request_id"]
            self.world.ledger.requested.add(request_id)
            group.pending[request_id] = wa_id
        elif answer.details in {"revoked", "expired"}:
            group.links = [known for known in group.links if known is not link]

    async def _decide(self, kind: str, method: str, key: str) -> None:
        group = self._group()
        if not group.pending:
            return
        chosen = self.rng.sample(sorted(group.pending), min(len(group.pending), 3))
        body = {**MP, "join_requests": chosen}
        answer = await self.client.call(kind, method, f"/v23.0/{group.id}/join_requests", body)
        settled: list[str] = list(answer.body.get(key, [])) if answer.ok else []
        for request_id in settled:
            wa_id = group.pending.pop(request_id, None)
            if kind == "approve" and wa_id is not None:
                group.members.add(wa_id)
        (self.world.ledger.approved if kind == "approve" else self.world.ledger.rejected).update(
            settled
        )
        for request_id in _gone_requests(answer):
            group.pending.pop(request_id, None)

    async def approve(self) -> None:
        await self._decide("approve", "POST", "approved_join_requests")

    async def reject(self) -> None:
        await self._decide("reject", "DELETE", "rejected_join_requests")

    async def cancel(self) -> None:
        group = self._group()
        if not group.pending or not group.codes:
            return
        request_id = self.rng.choice(sorted(group.pending))
        wa_id = group.pending[request_id]
        code = self.rng.choice(group.codes)
        path = f"/sandbox/invites/{code}/cancel"
        answer = await self.client.call("cancel request", "POST", path, {"wa_id": wa_id})
        if answer.ok or answer.code == 131213:
            group.pending.pop(request_id, None)
        if answer.ok:
            self.world.ledger.cancelled.add(answer.body["join_request_id"])

    async def reset(self) -> None:
        group = self._group()
        answer = await self.client.call("reset", "POST", f"/v23.0/{group.id}/invite_link", MP)
        if answer.ok:
            code = _code(answer.body["invite_link"])
            self.world.ledger.reset_codes[code] = group.id
            group.links = [Link(None, code, True)]
            group.codes.append(code)

    async def revoke(self) -> None:
        group = self._group()
        others = [link for link in group.links if not link.primary and link.id]
        if not others:
            return
        link = self.rng.choice(others)
        path = f"/v23.0/{group.id}/invite_links/{link.id}"
        answer = await self.client.call("revoke", "DELETE", path, MP)
        if answer.ok:
            self.world.ledger.revoked.add(link.id or "")
            group.links = [known for known in group.links if known is not link]

    async def pause(self) -> None:
        group = self._group()
        named = [link for link in group.links if link.id]
        if not named:
            return
        link = self.rng.choice(named)
        until = int(time.time()) + self.rng.randint(2, 8)
        path = f"/v23.0/{group.id}/invite_links/{link.id}"
        answer = await self.client.call("pause", "POST", path, {**MP, "paused_until": until})
        if answer.ok:
            self.world.ledger.paused.append((link.id or "", until))

    async def leave(self) -> None:
        group = self._group()
        if not group.members:
            return
        wa_id = self.rng.choice(sorted(group.members))
        path = f"/sandbox/groups/{group.id}/leave"
        answer = await self.client.call("leave", "POST", path, {"wa_id": wa_id})
        if answer.ok or answer.code == 131212:
            group.members.discard(wa_id)
        if answer.ok:
            self.world.ledger.left.append((group.id, wa_id))
            self.world.returning.append(wa_id)

    async def remove(self) -> None:
        group = self._group()
        if not group.members:
            return
        wa_id = self.rng.choice(sorted(group.members))
        body = {**MP, "participants": [{"user": wa_id}]}
        answer = await self.client.call("remove", "DELETE", f"/v23.0/{group.id}/participants", body)
        if answer.ok or answer.code == 131212:
            group.members.discard(wa_id)
        if answer.ok:
            self.world.ledger.removed.append((group.id, wa_id))

    async def read_group(self) -> None:
        group = self._group()
        path = f"/v23.0/{group.id}?fields=participants,total_participant_count"
        answer = await self.client.call("read group", "GET", path)
        if answer.ok:
            self.world.reads += 1
            listed = len(answer.body.get("participants", []))
            seen = max(listed, answer.body.get("total_participant_count", 0))
            if seen > self.max_participants:
                self.world.over_limit_seen.append((group.id, seen))

    async def list_links(self) -> None:
        await self._sync_links(self._group())

    async def _sync_links(self, group: Group) -> None:
        path = f"/v23.0/{group.id}/invite_links?state=active&limit=100"
        answer = await self.client.call("list links", "GET", path)
        if not answer.ok:
            return
        group.links = [
            Link(item["id"], _code(item["invite_link"]), item["is_primary"], item["member_limit"])
            for item in answer.body["data"]
        ]
        group.codes.extend(link.code for link in group.links if link.code not in group.codes)


def _code(url: str) -> str:
    return url.rsplit("/", 1)[1]


def _gone_requests(answer: Answer) -> list[str]:
    """Ids a decision call says are no longer pending (131213): drop them. A partial
    success lists them; when every id failed, the error's details name each."""
    if not isinstance(answer.body, dict):
        return []
    gone = []
    for failure in answer.body.get("failed_join_requests", []):
        if any(error.get("code") == 131213 for error in failure.get("errors", [])):
            gone.append(failure["join_request_id"])
    gone += GONE.findall(answer.details)
    return gone


GONE = re.compile(r"No pending join request (\w+)")
