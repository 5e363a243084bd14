"""People: a phone number (``wa_id``, E.164 digits) and a business-scoped user id (BSUID).

A BSUID is the person's ISO 3166 alpha-2 country, a dot, and 20 digits; it is
derived with HMAC from the business's secret so it is stable within a business
and unrelated between businesses.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

import phonenumbers

from grouplink.domain.errors import InvalidParameter

MAX_PER_CALL = 8  # participants one call removes (Meta's limit)


_SEPARATORS = re.compile(r"[\s().\-]")
_BSUID = re.compile(r"^[A-Z]{2}\.\d{1,40}$")


def normalize_wa_id(raw: str) -> str:
    """Digits of an E.164 number: accepts ``+1 (555) 010-0000`` and ``15550100000``."""
    if not isinstance(raw, str):
        raise InvalidParameter("A phone number must be a string of digits")
    digits = _SEPARATORS.sub("", raw.strip())
    if digits.startswith("+"):
        digits = digits[1:]
    if not digits.isascii() or not digits.isdigit() or not 8 <= len(digits) <= 15:
        raise InvalidParameter(f"'{raw}' is not a phone number in international format")
    return digits


def typed_phone(raw: str) -> str:
    """A number a person typed, as E.164 digits: ``+44 20 7946 0958`` or, with the
    international prefix most countries dial, ``0044 20 7946 0958``. Numbers that no
    country's plan allows (``+999...``, too short or long for their country) are refused.
    (:func:`normalize_wa_id` stays as lenient as Meta's API for what code sends.)"""
    text = _SEPARATORS.sub("", raw.strip()) if isinstance(raw, str) else raw
    if isinstance(text, str) and text.startswith("00"):
        text = text[2:]
    digits = normalize_wa_id(text)
    try:
        possible = phonenumbers.is_possible_number(phonenumbers.parse("+" + digits))
    except phonenumbers.NumberParseException:
        possible = False
    if not possible:
        raise InvalidParameter(f"'{raw}' is not a possible phone number")
    return digits


def country_of(wa_id: str) -> str:
    try:
        number = phonenumbers.parse("+" + wa_id)
    except phonenumbers.NumberParseException:
        return "ZZ"
    # Fictional and unassigned numbers have no region: fall back to the
    # calling code's main country (+44 -> GB, +1 -> US).
    region = phonenumbers.region_code_for_number(number) or (
        phonenumbers.region_code_for_country_code(number.country_code or 0)
    )
    return region if region and region != "001" else "ZZ"


def bsuid(business_secret: str, wa_id: str) -> str:
    digest = hmac.new(business_secret.encode(), wa_id.encode(), hashlib.sha256).digest()
    digits = str(int.from_bytes(digest[:9], "big")).zfill(20)[-20:]
    return f"{country_of(wa_id)}.{digits}"


def is_bsuid(value: str) -> bool:
    return bool(_BSUID.match(value))


@dataclass(frozen=True, slots=True)
class UserRef:
    """A person as the caller named them: ``{"user": phone}`` or ``{"user_id": BSUID}``."""

    input: str
    wa_id: str | None = None
    user_id: str | None = None


def clean_user_refs(raw: object, name: str, max_items: int) -> list[UserRef]:
    """A list of 1 to ``max_items`` people, each ``{"user"}`` or ``{"user_id"}``."""
    if not isinstance(raw, list) or not 1 <= len(raw) <= max_items:
        raise InvalidParameter(f"{name} must be a list of 1 to {max_items} items")
    refs = []
    for item in raw:
        if not isinstance(item, dict) or len(item.keys() & {"user", "user_id"}) != 1:
            raise InvalidParameter(
                f'Each item of {name} must be {{"user": "<phone number>"}} or '
                '{"user_id": "<BSUID>"}'
            )
        if "user_id" in item:
            value = item["user_id"]
            if not isinstance(value, str) or not is_bsuid(value):
                raise InvalidParameter(f"'{value}' is not a business-scoped user id")
            refs.append(UserRef(value, user_id=value))
        else:
            value = item["user"]
            refs.append(UserRef(str(value), wa_id=normalize_wa_id(str(value))))
    return refs
