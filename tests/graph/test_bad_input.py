"""Bodies and parameters no client should send answer 400 code 100 in the envelope,
never a 500: JSON nested too deep, numbers too long, control characters."""

from __future__ import annotations

import httpx

from tests.graph.helpers import WHATSAPP, assert_envelope, group_fields
from tests.support import Business, create_group

JSON = {"Content-Type": "application/json"}


def test_json_nested_a_thousand_deep_is_100(api: httpx.Client, biz: Business) -> None:
    url = f"/{biz.phone_number_id}/groups"
    deep = b'{"messaging_product":"whatsapp","subject":"x","extra":' + b"[" * 1000 + b"]" * 1000
    assert (
        "nests"
        in assert_envelope(api.post(url, content=deep + b"}", headers=JSON), 400, 100)[
            "error_data"
        ]["details"]
    )
    objects = b'{"a":' * 1000 + b"1" + b"}" * 1000
    assert_envelope(api.post(url, content=objects, headers=JSON), 400, 100)
    # A form field that holds JSON text is read as JSON: the same limit holds there.
    group = create_group(api, biz)
    form = {**WHATSAPP, "participants": "[" * 1000 + "]" * 1000}
    assert_envelope(api.request("DELETE", f"/{group['id']}/participants", data=form), 400, 100)
    # Nesting a body needs is fine: Meta's participants list nests three levels.
    shallow = {**WHATSAPP, "participants": [{"user": "15550100001"}]}
    assert api.request("DELETE", f"/{group['id']}/participants", json=shallow).status_code != 500


def test_numbers_past_64_bits_are_100(api: httpx.Client, biz: Business) -> None:
    url = f"/{biz.phone_number_id}/groups"
    prefix = b'{"messaging_product":"whatsapp","subject":"x","n":'
    for number in (b"9" * 5000, b"-" + b"9" * 4400, b"9" * 30, b"9223372036854775808"):
        answer = api.post(url, content=prefix + number + b"}", headers=JSON)
        assert "64 bits" in assert_envelope(answer, 400, 100)["error_data"]["details"]
    group = create_group(api, biz)
    links = f"/{group['id']}/invite_links"
    too_many = b'{"messaging_product":"whatsapp","name":"x","member_limit":1' + b"0" * 40 + b"}"
    assert_envelope(api.post(links, content=too_many, headers=JSON), 400, 100)
    # Form-encoded numbers are text until a rule reads them: the same bound there.
    for digits in ("9" * 5000, "9" * 19):
        form = {**WHATSAPP, "name": "x", "member_limit": digits}
        assert_envelope(api.post(links, data=form), 400, 100)
    # Insights' window, in unix seconds, ends with the year 9999.
    for window in ({"until": 10**35}, {"since": 10**35 - 86_400, "until": 10**35}):
        assert_envelope(api.get(f"/{group['id']}/insights", params=window), 400, 100)
    for constant in (b"NaN", b"Infinity", b"-Infinity", b"1e999"):
        answer = api.post(url, content=prefix + constant + b"}", headers=JSON)
        assert_envelope(answer, 400, 100)
    fits = api.post(url, content=prefix + b"9223372036854775807}", headers=JSON)
    assert fits.status_code == 200, fits.text


def test_control_characters_are_100_in_bodies_and_queries(api: httpx.Client, biz: Business) -> None:
    url = f"/{biz.phone_number_id}/groups"
    for char in ("\u0000", "\u0001", "\u001b", "\u007f", "\u0085", "\u009f"):
        answer = api.post(url, json={**WHATSAPP, "subject": f"a{char}b"})
        details = assert_envelope(answer, 400, 100)["error_data"]["details"]
        assert f"subject contains U+{ord(char):04X}" in details, details
    group = create_group(api, biz)
    answer = api.post(f"/{group['id']}", json={**WHATSAPP, "description": "bell\u0007"})
    assert_envelope(answer, 400, 100)
    # Also as a form, and in a key.
    assert_envelope(api.post(url, data={**WHATSAPP, "subject": "x\u0002"}), 400, 100)
    assert_envelope(api.post(url, json={**WHATSAPP, "subject": "x", "k\u0000": 1}), 400, 100)
    # Query parameters and path segments meet the same rule.
    for params in ({"fields": "subject\u0000"}, {"fields\u0001": "subject"}):
        assert_envelope(api.get(f"/{group['id']}", params=params), 400, 100)
    assert_envelope(api.get(f"/{group['id']}%01/invite_link"), 400, 100)
    # Tab and line breaks are text, and everything printable is, emoji and joiners too.
    typed = "Line one\r\nLine two\tand \U0001f469\u200d\U0001f4bb \u00e9\u0301"
    changed = api.post(f"/{group['id']}", json={**WHATSAPP, "description": typed})
    assert changed.status_code == 200, changed.text
    assert group_fields(api, group["id"], "description")["description"] == typed
