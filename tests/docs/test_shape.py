"""What the docs test lets differ between a doc's shown output and a real one, and what
it does not (tests/docs/shape.py)."""

from __future__ import annotations

from tests.docs.shape import output_difference

SHOWN = (
    '{"id":"jSjnQSdOtDB47fHfLU1FBtMx","participants":[{"wa_id":"16315551234"}],"n":1,'
    '"created":1796282196}'
)


def test_json_ids_numbers_and_times_are_free() -> None:
    got = (
        '{"created":1800000000,"n":1,"participants":[{"wa_id":"447700900123"}],'
        '"id":"Qx8nq1cSqAhim9Q1UkGGgQjZ"}\n'
    )
    assert output_difference("json", SHOWN, got) is None


def test_json_keys_types_and_list_lengths_are_not() -> None:
    missing = SHOWN.replace(
        '"16315551234"}', '"16315551234","invite_link_id":"jMt8REJn4L7vUerC1n"}'
    )
    assert "invite_link_id" in str(output_difference("json", SHOWN, missing))
    as_text = SHOWN.replace('"n":1', '"n":"1"')
    assert "string" in str(output_difference("json", SHOWN, as_text))
    two = SHOWN.replace('[{"wa_id":"16315551234"}]', '[{"wa_id":"1"},{"wa_id":"2"}]')
    assert "answer 1.participants: the doc shows 1 items, got 2" in str(
        output_difference("json", SHOWN, two)
    )
    assert "the doc shows 1 JSON answers, got 2" in str(
        output_difference("json", SHOWN, SHOWN + "\n" + SHOWN)
    )
    assert output_difference("json", SHOWN, "Internal Server Error") is not None


def test_json_words_counts_and_codes_are_not() -> None:
    shown = '{"code":131212,"details":"Not participants of this group: 16315551234"}'
    other_people = '{"code":131212,"details":"Not participants of this group: +1 631 555 5678"}'
    assert output_difference("json", shown, shown.replace("16315551234", "447700900123")) is None
    assert "answer 1.details: the doc shows" in str(output_difference("json", shown, other_people))
    other_code = shown.replace("131212", "131213")
    assert "answer 1.code: the doc shows 131212, got 131213" in str(
        output_difference("json", shown, other_code)
    )
    assert output_difference("json", '{"ok":true}', '{"ok":false}') is not None
    assert output_difference("json", SHOWN, SHOWN.replace('"n":1', '"n":2')) is not None


def test_json_answers_each_on_a_line_of_its_own() -> None:
    shown = '{"success":"true"}\n{"data":[]}'
    assert output_difference("json", shown, '{"success":"true"}\n{"data":[]}') is None
    joined = output_difference("json", shown, '{"success":"true"}{"data":[]}')
    assert "answer 2 starts on the line where answer 1 ends" in str(joined)


def test_json_spread_over_lines_reads_as_one_value() -> None:
    shown = '{\n  "data": [\n    {"a": "b"}\n  ]\n}'
    assert output_difference("json", shown, '{"data":[{"a":"b"}]}') is None


def test_text_masks_ids_and_numbers_but_not_words() -> None:
    shown = "group: jYa7nq1cSqAhim9Q1UkGGgQj\nhttp://127.0.0.1:8000/kmekdXz6DMJOdA2SsnIoDk"
    got = "group: Qx8\nhttp://127.0.0.1:41234/QQQQQQQQQQQQQQQQQQQQQQ"
    assert output_difference("", shown, got) is None
    assert output_difference("", "revoked", "no such active token") is not None
    assert output_difference("", "revoked", "revoked\nrevoked") is not None


def test_text_dots_stand_for_any_lines() -> None:
    shown = 'HTTP/1.1 200 OK\n...\ncontent-type: application/json\n\n{"id":"a"}'
    got = "HTTP/1.1 200 OK\ndate: Thu\nserver: uvicorn\ncontent-type: application/json\n"
    got += '\n{"id":"a"}'
    assert output_difference("", shown, got) is None
    assert output_difference("", shown, got.replace("200 OK", "400 Bad Request")) is not None
    assert output_difference("", shown, got.replace('"id"', '"error"')) is not None
