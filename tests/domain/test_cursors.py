from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from grouplink.domain.cursors import decode_cursor, encode_cursor
from grouplink.domain.errors import BadCursor

SECRET = b"s" * 32


@given(st.integers(min_value=0, max_value=2**62), st.text(min_size=1, max_size=40))
def test_a_cursor_decodes_to_its_position_in_its_own_listing(position: int, scope: str) -> None:
    assert decode_cursor(SECRET, scope, encode_cursor(SECRET, scope, position)) == position


def test_a_cursor_does_not_work_in_another_listing() -> None:
    cursor = encode_cursor(SECRET, "groups:1", 42)
    with pytest.raises(BadCursor):
        decode_cursor(SECRET, "groups:2", cursor)


def test_a_cursor_signed_with_another_secret_is_refused() -> None:
    with pytest.raises(BadCursor):
        decode_cursor(SECRET, "groups:1", encode_cursor(b"t" * 32, "groups:1", 42))


@given(st.text(max_size=60))
def test_made_up_cursors_are_refused(text: str) -> None:
    with pytest.raises(BadCursor):
        decode_cursor(SECRET, "groups:1", text)


def test_a_tampered_position_is_refused() -> None:
    cursor = encode_cursor(SECRET, "groups:1", 42)
    tampered = cursor[:-1] + ("A" if cursor[-1] != "A" else "B")
    with pytest.raises(BadCursor):
        decode_cursor(SECRET, "groups:1", tampered)
