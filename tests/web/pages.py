"""A person's browser over plain HTTP: fetch a page, read its forms, post them.

Each :class:`Person` talks from its own loopback address (127.x.y.z), so the
per-address rate limits of one test never meet another test's.
"""

from __future__ import annotations

import asyncio
import random
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

import httpx

from grouplink.settings import normalize_database_url
from grouplink.store.database import Database

_VOID = {"input", "meta", "link", "img", "br", "hr"}


def loopback_address() -> str:
    """A loopback source address of its own; Linux answers on all of 127/8."""
    return "127.{}.{}.{}".format(*(random.randint(1, 254) for _ in range(3)))


def new_phone() -> str:
    """A fresh valid wa_id per call: sign-in limits count per number."""
    return "1555" + "".join(random.choice("0123456789") for _ in range(7))


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, str] = field(default_factory=dict)
    buttons: list[str] = field(default_factory=list)


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self.meta: dict[str, str] = {}
        self.text: list[str] = []
        self.headings: list[str] = []
        self.links: list[tuple[str, str]] = []
        self.state: str | None = None
        self.sandbox_code: str | None = None
        self._stack: list[str] = []
        self._capture: list[str] | None = None
        self._capture_tag = ""
        self._in_form: Form | None = None
        self._in_code = False
        self._head = True
        self._select: str | None = None  # the name of the <select> being read
        self._textarea: str | None = None  # the name of the <textarea> being read

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "body":
            self._head = False
        if tag == "meta" and "content" in a:
            key = a.get("property") or a.get("name")
            if key:
                self.meta[key] = a["content"]
        if tag == "form":
            self._in_form = Form(a.get("action", ""), a.get("method", "get").lower())
            self.forms.append(self._in_form)
        if tag == "input" and self._in_form is not None and "name" in a:
            unticked = a.get("type") in ("checkbox", "radio") and "checked" not in a
            if not unticked and a.get("type") != "file":  # as a browser sends the form
                self._in_form.fields[a["name"]] = a.get("value", "on")
        if self._in_form is not None and "name" in a and tag in ("select", "textarea"):
            self._select = a["name"] if tag == "select" else None
            self._textarea = a["name"] if tag == "textarea" else None
            if tag == "textarea":
                self._in_form.fields[a["name"]] = ""
        # As a browser sends a <select>: the option selected, else the first one.
        choosing = tag == "option" and self._in_form is not None and self._select is not None
        if choosing and ("selected" in a or self._select not in self._in_form.fields):
            self._in_form.fields[self._select] = a.get("value", "")
        if tag in ("h1", "h2", "button", "a"):
            self._capture, self._capture_tag = [], tag
            if tag == "a":
                self._href = a.get("href", "")
        if "data-state" in a:
            self.state = a["data-state"]
        if "data-sandbox-code" in a:
            self._in_code = True
        if tag not in _VOID:
            self._stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = None
        if tag == "select":
            self._select = None
        if tag == "textarea":
            self._textarea = None
        if self._capture is not None and tag == self._capture_tag:
            words = " ".join("".join(self._capture).split())
            if tag in ("h1", "h2"):
                self.headings.append(words)
            elif tag == "button" and self._in_form is not None:
                self._in_form.buttons.append(words)
            elif tag == "a":
                self.links.append((words, self._href))
            self._capture = None
        if self._stack and self._stack[-1] == tag:
            self._stack.pop()

    def handle_data(self, data: str) -> None:
        if self._textarea is not None and self._in_form is not None:
            self._in_form.fields[self._textarea] += data
        if self._in_code:
            self.sandbox_code = data.strip()
            self._in_code = False
        if self._capture is not None:
            self._capture.append(data)
        if not self._head and not (self._stack and self._stack[-1] in ("script", "style")):
            self.text.append(data)


class Page:
    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.status = response.status_code
        self.html = response.text
        parser = _Parser()
        parser.feed(self.html)
        self.forms = parser.forms
        self.meta = parser.meta
        self.headings = parser.headings
        self.links = parser.links
        self.state = parser.state
        self.sandbox_code = parser.sandbox_code
        self.text = " ".join("".join(parser.text).split())

    def form(self, target: str, /, **match: str) -> Form:
        """The form posting to ``target`` whose hidden fields include ``match``."""
        for form in self.forms:
            if form.action == target and all(form.fields.get(k) == v for k, v in match.items()):
                return form
        raise AssertionError(f"no form to {target} {match} on the page: {self.text}")

    def has_form(self, target: str, /, **match: str) -> bool:
        try:
            self.form(target, **match)
        except AssertionError:
            return False
        return True

    def link(self, text: str) -> str:
        for words, href in self.links:
            if words == text:
                return href
        raise AssertionError(f"no link {text!r} on the page: {self.links}")

    @property
    def og(self) -> dict[str, str]:
        return {k: v for k, v in self.meta.items() if k.startswith(("og:", "twitter:"))}


class Person:
    """Someone with a browser: cookies, their own address, and a phone."""

    def __init__(self, base_url: str, wa_id: str | None = None) -> None:
        self.wa_id = wa_id or new_phone()
        self.address = loopback_address()
        self.client = httpx.Client(
            base_url=base_url,
            transport=httpx.HTTPTransport(local_address=self.address),
            timeout=30,
        )

    def close(self) -> None:
        self.client.close()

    def get(self, path: str) -> Page:
        return Page(self.client.get(path))

    def post(self, form: Form, **fields: str) -> httpx.Response:
        return self.client.post(form.action, data={**form.fields, **fields})

    def say_yes(self, asked: Page) -> Page:
        """On a page that asks first ("Remove ... from the group?"), confirm."""
        forms = [form for form in asked.forms if form.fields.get("confirmed") == "yes"]
        assert len(forms) == 1, f"no page that asks first: {asked.text}"
        return self.submit(forms[0])

    def follow(self, response: httpx.Response) -> Page:
        """The page a form post leads to: after a 303, the GET it names."""
        if response.status_code == 303:
            return self.get(response.headers["location"])
        return Page(response)

    def submit(self, form: Form, **fields: str) -> Page:
        return self.follow(self.post(form, **fields))

    # --- sign-in ------------------------------------------------------------------------

    def ask_code(self, next_path: str = "/signin") -> Page:
        """Up to the code form: the page with the sandbox code on it."""
        start = self.get(f"/signin?next={next_path}")
        assert start.status == 200, start.text
        return self.submit(start.form("/signin"), phone="+" + self.wa_id)

    def sign_in(self, next_path: str = "/signin") -> Page:
        code_page = self.ask_code(next_path)
        assert code_page.status == 200 and code_page.sandbox_code, code_page.text
        answer = self.post(code_page.form("/signin/code"), code=code_page.sandbox_code)
        assert answer.status_code == 303, answer.text
        return self.follow(answer)

    # --- the link page --------------------------------------------------------------------

    def open(self, code: str) -> Page:
        return self.get(f"/{code}")

    def act(self, code: str, action: str) -> Page:
        """Press the page's join / request / withdraw button."""
        page = self.open(code)
        return self.submit(page.form(f"/{code}", action=action))


def run_sql(database_url: str, statement: Any) -> None:
    """Change the test database behind the server's back (to age codes and sessions)."""

    async def run() -> None:
        db = Database(normalize_database_url(database_url), pool_size=1)
        try:
            async with db.write() as conn:
                await conn.execute(statement)
        finally:
            await db.dispose()

    asyncio.run(run())


def fetch_rows(database_url: str, query: Any) -> list[Any]:
    async def run() -> list[Any]:
        db = Database(normalize_database_url(database_url), pool_size=1)
        try:
            async with db.read() as conn:
                return list((await conn.execute(query)).all())
        finally:
            await db.dispose()

    return asyncio.run(run())


def without_csrf(html: str) -> str:
    """A page's HTML with its per-visitor form tokens blanked, to compare two pages."""
    return re.sub(r'name="csrf" value="[^"]*"', 'name="csrf" value=""', html)
