"""Webhook rules: which fields exist, how a body is made and signed, when to retry."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
from typing import Any
from urllib.parse import urlsplit

from grouplink.domain.errors import InvalidParameter
from grouplink.domain.events import Field

OBJECT = "whatsapp_business_account"
FIELDS = tuple(f.value for f in Field)
CALLBACK_URL_MAX = 2048  # characters, as the subscriptions table stores them
VERIFY_TOKEN_MAX = 256


def clean_callback_url(raw: object) -> str:
    """An http:// or https:// URL with a host, of at most 2,048 characters."""
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidParameter("callback_url is required")
    url = raw.strip()
    if len(url) > CALLBACK_URL_MAX:
        raise InvalidParameter(f"callback_url is longer than {CALLBACK_URL_MAX} characters")
    if any(char.isspace() for char in url):  # line breaks would be headers in the request
        raise InvalidParameter("callback_url may not contain spaces or line breaks")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - reading it checks it: a port out of range raises
    except ValueError as error:  # http://[::1/x, http://host:99999/
        raise InvalidParameter(f"callback_url is not a valid URL: {error}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidParameter("callback_url must be an http:// or https:// URL")
    return url


def clean_verify_token(raw: object) -> str:
    """The token echoed in the handshake: 1 to 256 characters."""
    if not isinstance(raw, str) or not raw:
        raise InvalidParameter("verify_token is required")
    if len(raw) > VERIFY_TOKEN_MAX:
        raise InvalidParameter(f"verify_token is longer than {VERIFY_TOKEN_MAX} characters")
    return raw


def clean_fields(raw: object) -> list[str]:
    """``fields`` as Meta takes it: comma-separated text or a list of names."""
    if isinstance(raw, str):
        names = [name.strip() for name in raw.split(",") if name.strip()]
    elif isinstance(raw, list) and all(isinstance(name, str) for name in raw):
        names = [name.strip() for name in raw]
    else:
        raise InvalidParameter("fields must be a comma-separated list of webhook fields")
    if not names:
        raise InvalidParameter("fields must name at least one webhook field")
    unknown = [name for name in names if name not in FIELDS]
    if unknown:
        raise InvalidParameter(
            f"Unknown webhook field '{unknown[0]}'; fields are: " + ", ".join(FIELDS)
        )
    return list(dict.fromkeys(names))


def body_bytes(envelope: dict[str, Any]) -> bytes:
    """ASCII-escaped compact JSON, as Meta sends (``ä`` goes out as ``\\u00e4``)."""
    return json.dumps(envelope, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def signature_256(app_secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def signature_sha1(app_secret: str, body: bytes) -> str:
    """The older header Meta still sends beside the SHA-256 one."""
    return "sha1=" + hmac.new(app_secret.encode(), body, hashlib.sha1).hexdigest()


def retry_delay_ms(
    attempts: int, *, base_ms: int, cap_ms: int, rng: random.Random | None = None
) -> int:
    """Exponential backoff with full jitter: uniform in [base, min(cap, base * 2**n)]."""
    ceiling = min(cap_ms, base_ms * 2 ** min(attempts, 40))
    return (rng or random).randint(base_ms, max(base_ms, ceiling))
