"""How a message of a sandbox inbox reads on the console: its words with each web
address in them a link, its sender and when it came, as WhatsApp would show it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from grouplink.web import format

# Only http(s) addresses become links: nothing a sender types can make a javascript: one.
_URL = re.compile(r"https?://[^\s<>\"']+")
# Punctuation after an address (closing quotes too) ends the sentence, not the URL.
_TRAILING = ".,;:!?)]}\u201d\u2019\u00bb"


@dataclass(frozen=True, slots=True)
class Part:
    """A run of a message's text; ``link`` when the run is a web address."""

    text: str
    link: bool = False


@dataclass(frozen=True, slots=True)
class MessageRow:
    sender: str  # the business's number, as the person's phone shows it
    parts: list[Part]  # a text's body; a template's parameters, one line each
    template: str  # a template's name and language ("invite_link, en_US"), else ""
    ago: str
    moment: str
    iso: str
    status: str = "Delivered"  # the sandbox delivers each message as it is sent


def parts_of(text: str) -> list[Part]:
    """``text`` cut into plain runs and web addresses, in order, nothing lost."""
    parts: list[Part] = []
    at = 0
    for found in _URL.finditer(text):
        url = found.group().rstrip(_TRAILING)
        if found.start() > at:
            parts.append(Part(text[at : found.start()]))
        parts.append(Part(url, link=True))
        at = found.start() + len(url)
    if at < len(text):
        parts.append(Part(text[at:]))
    return parts


def _template_texts(template: dict[str, Any]) -> str:
    """The template's text parameters (its link is most often one), one a line."""
    said = [
        str(parameter["text"])
        for component in template.get("components", [])
        for parameter in component.get("parameters", [])
        if isinstance(parameter, dict) and isinstance(parameter.get("text"), str)
    ]
    return "\n".join(said)


def row(message: dict[str, Any], now_ms: int) -> MessageRow:
    """One item of ``services.messages.inbox`` (the API's inbox item) as the page shows it."""
    at = int(message["timestamp"]) * 1000
    kind = message["type"]
    content: dict[str, Any] = message[kind]
    if kind == "text":
        parts, template = parts_of(content["body"]), ""
    else:
        parts = parts_of(_template_texts(content))
        template = f"{content['name']}, {content['language']['code']}"
    return MessageRow(
        sender=format.display_phone(message["from"]),
        parts=parts,
        template=template,
        ago=format.ago(at, now_ms),
        moment=format.moment(at),
        iso=format.iso_moment(at),
    )
