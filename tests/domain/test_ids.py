"""Identifiers: the right shape, and every character equally likely."""

from __future__ import annotations

from collections import Counter

from grouplink.domain import ids


def test_shapes() -> None:
    assert ids.is_invite_code(ids.invite_code())
    assert len(ids.group_id()) == 24 and ids.group_id().isalnum()
    assert ids.api_token().startswith("gl_") and len(ids.api_token()) == 43
    assert len({ids.invite_code() for _ in range(1000)}) == 1000


def test_every_character_is_equally_likely() -> None:
    """100,000 characters: each of the 62 is expected 1,613 times, give or take 40;
    a bias like taking bytes modulo 62 (the first 8 characters 25% more often) fails."""
    counts = Counter("".join(ids.base62(100) for _ in range(1000)))
    assert set(counts) == set(ids.BASE62)
    expected = 100_000 / 62
    assert all(abs(n - expected) < 0.15 * expected for n in counts.values()), counts
