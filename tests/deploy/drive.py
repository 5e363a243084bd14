"""What an operator checks once grouplink is deployed, through whatever is in front
of it (nginx, a container's port): readiness, the Graph API, the link page, and what
the production profile turns off. Shared by the guide's test and the image's test."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from tests.meta_schemas import check_response


@dataclass(frozen=True)
class Door:
    """Where the test knocks: ``base`` (http://127.0.0.1:PORT), sending ``host`` as the
    Host header when a proxy picks its site by name."""

    base: str
    host: str | None = None

    def client(self, token: str | None = None, **options: Any) -> httpx.Client:
        headers = {"Host": self.host} if self.host else {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        # Every Graph answer is checked against Meta's schemas, as in the rest of the suite.
        hooks = {"response": [check_response]}
        return httpx.Client(
            base_url=self.base, headers=headers, timeout=30, event_hooks=hooks, **options
        )


def check_ready(door: Door) -> None:
    with door.client() as client:
        ready = client.get("/readyz")
    assert ready.status_code == 200, ready.text
    assert ready.json() == {"status": "ready", "checks": {"database": "ok", "redis": "ok"}}


@dataclass(frozen=True)
class Made:
    group_id: str
    subject: str
    invite_link: str

    @property
    def code(self) -> str:
        return self.invite_link.rsplit("/", 1)[1]


def drive_graph(door: Door, token: str, phone_number_id: str, public_url: str) -> Made:
    """Two groups through the Graph API; the first one's invite link, read back."""
    with door.client(token) as api:
        ids = []
        for subject in ("Book club", "Choir"):
            created = api.post(
                f"/v23.0/{phone_number_id}/groups",
                json={"messaging_product": "whatsapp", "subject": subject},
            )
            assert created.status_code == 200, created.text
            ids.append(created.json()["id"])
        group = api.get(f"/v23.0/{ids[0]}", params={"fields": "subject,total_participant_count"})
        assert group.json()["subject"] == "Book club", group.text
        link = api.get(f"/v23.0/{ids[0]}/invite_link").json()["invite_link"]
        assert link.startswith(public_url + "/"), link
        # Paging URLs are on GROUPLINK_PUBLIC_URL, not on the address the request came to.
        listed = api.get(f"/v23.0/{phone_number_id}/groups", params={"limit": 1}).json()
        assert [g["id"] for g in listed["data"]["groups"]] == [ids[1]], listed
        assert listed["paging"]["next"].startswith(f"{public_url}/v23.0/"), listed
    return Made(ids[0], "Book club", link)


def check_link_page(door: Door, made: Made, token: str, *, secure_cookies: bool) -> None:
    """The invite link's page shows the group; after a reset the old one says so."""
    with door.client() as browser:
        page = browser.get(f"/{made.code}")
        assert page.status_code == 200, page.text
        assert made.subject in page.text
        assert "Join group" in page.text
        cookies = page.headers.get_list("set-cookie")
        assert cookies, page.headers
        assert all(("; secure" in c.lower()) == secure_cookies for c in cookies), cookies
    with door.client(token) as api:
        reset = api.post(
            f"/v23.0/{made.group_id}/invite_link", json={"messaging_product": "whatsapp"}
        )
        assert reset.status_code == 200, reset.text
    with door.client() as browser:
        old = browser.get(f"/{made.code}")
        assert "This invite link was reset" in old.text, old.text
        assert made.subject not in old.text


def check_production_profile(door: Door, token: str, business_id: str, made: Made) -> None:
    """No sandbox helpers; no callbacks to this machine's own addresses."""
    with door.client(token) as api:
        sandbox = api.post(f"/sandbox/invites/{made.code}/join", json={"wa_id": "16315551234"})
        assert sandbox.status_code == 404, sandbox.text
        assert sandbox.json()["error"]["code"] == 100
        hook = api.post(
            f"/v23.0/{business_id}/subscriptions",
            json={
                "object": "whatsapp_business_account",
                "callback_url": "http://127.0.0.1:9/webhook",
                "verify_token": "vt",
                "fields": "group_lifecycle_update",
            },
        )
        assert hook.status_code == 400, hook.text
        assert hook.json()["error"]["code"] == 2200, hook.text
