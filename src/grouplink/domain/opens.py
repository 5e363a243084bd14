"""Counting link-page opens by distinct visitors per UTC day, without keeping who they are.

A visitor is the signed-in person's number, or else the browser's address and user
agent. What is kept of them is a 64-bit keyed hash under a random key made for that
one day; the key and the day's hashes are deleted once the day is over.
"""

from __future__ import annotations

import hashlib

# Chat apps and crawlers fetch a link to draw its preview card: not a person opening it.
_UNFURLERS = (
    "bot",
    "crawler",
    "spider",
    "facebookexternalhit",
    "whatsapp",
    "telegram",
    "slack",
    "discord",
    "preview",
)


def visitor_mark(day_key: bytes, visitor: str) -> int:
    """The visitor's mark for the day of ``day_key``: a signed 64-bit integer."""
    digest = hashlib.blake2b(visitor.encode(), key=day_key[:64], digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def visitor_of(wa_id: str | None, address: str, user_agent: str) -> str:
    return f"person:{wa_id}" if wa_id else f"browser:{address}|{user_agent}"


def is_unfurler(user_agent: str) -> bool:
    agent = user_agent.lower()
    return any(word in agent for word in _UNFURLERS)
