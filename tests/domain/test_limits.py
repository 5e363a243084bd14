"""Fixed windows of rate limits, and a number's budget of wrong sign-in codes."""

from __future__ import annotations

from grouplink.domain.limits import Rule, key_hash, rules_of
from grouplink.domain.signin import Guesses, GuessRules

MINUTE = 60_000


def test_rates_read_as_rules_of_fixed_windows() -> None:
    assert rules_of("5/15 minutes;120/minute") == (Rule(5, 15 * MINUTE), Rule(120, MINUTE))
    assert Rule(5, 15 * MINUTE).counter("signin-number") == "signin-number/5/900s"


def test_counted_keys_are_kept_as_keyed_hashes() -> None:
    hashed = key_hash(b"secret", "203.0.113.7")
    assert len(hashed) == 32 and "203" not in hashed
    assert hashed == key_hash(b"secret", "203.0.113.7")
    assert hashed != key_hash(b"other secret", "203.0.113.7")


def test_ten_wrong_codes_then_lockouts_that_double_to_four_hours() -> None:
    rules, now, number = GuessRules(), 1_000_000, Guesses()
    for left in range(10, 0, -1):
        assert number.before_lockout(rules) == left and not number.locked(now)
        number = number.after_wrong(now, rules)
    lockouts = []
    for _ in range(6):
        assert number.locked(now)
        lockouts.append((number.locked_until - now) // MINUTE)
        now = number.locked_until  # the lockout is over: one more wrong code
        assert not number.locked(now) and number.before_lockout(rules) == 1
        number = number.after_wrong(now, rules)
    assert lockouts == [15, 30, 60, 120, 240, 240]


def test_wrong_codes_are_forgiven_a_day_after_the_last_one_or_its_lockout() -> None:
    rules, now = GuessRules(), 5_000_000
    number = Guesses().after_wrong(now, rules)
    assert number.as_of(now + 24 * 60 * MINUTE - 1).wrong == 1
    assert number.as_of(now + 24 * 60 * MINUTE) == Guesses()
    locked = Guesses(wrong=9).after_wrong(now, rules)
    assert locked.as_of(locked.locked_until + 24 * 60 * MINUTE - 1).locked_until > 0
    assert locked.as_of(locked.locked_until + 24 * 60 * MINUTE) == Guesses()
