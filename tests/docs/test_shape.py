"""What the docs test lets differ between a doc's shown output and a real one, and what
it does not (tests/docs/shape.py)."""

from __future__ import annotations

from tests.docs.shape import output_difference

SHOWN = '{"id":"jSjnQSdOtDB47fHfLU1FBtMx","participants":[{"wa_id":"16315551234"}],"n":1}'


def test_json_ids_and_values_are_free() -> None:
    got = '{"n":7,"participants":[{"wa_id":"447700900123"}],"id":"other"}\n'
    assert output_difference("json", SHOWN, got) is None


def test_json_keys_types_and_list_lengths_are_not() -> None:
    missing = '{"id":"x","participants":[{"wa_id":"1","invite_link_id":"y"}],"n":1}'
    assert "invite_link_id" in str(output_difference("json", SHOWN, missing))
    as_text = '{"id":"x","participants":[{"wa_id":"1"}],"n":"1"}'
    assert "string" in str(output_difference("json", SHOWN, as_text))
    two = '{"id":"x","participants":[{"wa_id":"1"},{"wa_id":"2"}],"n":1}'
    assert "1 items, got 2" in str(output_difference("json", SHOWN, two))
    assert output_difference("json", SHOWN, SHOWN + "\n" + SHOWN) is not None
    assert output_difference("json", SHOWN, "Internal Server Error") is not None


def test_json_spread_over_lines_reads_as_one_value() -> None:
    shown = '{\n  "data": [\n    {"a": 1}\n  ]\n}'
    assert output_difference("json", shown, '{"data":[{"a":2}]}') is None


def test_text_masks_ids_and_numbers_but_not_words() -> None:
    shown = "group: jYa7nq1cSqAhim9Q1UkGGgQj\nhttp://127.0.0.1:8000/kmekdXz6DMJOdA2SsnIoDk"
    got = "group: Qx8\nhttp://127.0.0.1:41234/QQQQQQQQQQQQQQQQQQQQQQ"
    assert output_difference("", shown, got) is None
    assert output_difference("", "revoked", "no such active token") is not None
    assert output_difference("", "revoked", "revoked\nrevoked") is not None


def test_text_dots_stand_for_any_lines() -> None:
    shown = 'HTTP/1.1 200 OK\n...\ncontent-type: application/json\n\n{"id":"a"}'
    got = "HTTP/1.1 200 OK\ndate: Thu\nserver: uvicorn\ncontent-type: application/json\n"
    got += '\n{"id":"b"}'
    assert output_difference("", shown, got) is None
    assert output_difference("", shown, got.replace("200 OK", "400 Bad Request")) is not None
    assert output_difference("", shown, got.replace('"id"', '"error"')) is not None
