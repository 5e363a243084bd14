"""A refused form field: the domain's sentence in the form's words, at its field.

The domain names Graph fields ("subject is longer than 128 characters"); a form says
what its label says ("Group name is longer than 128 characters") and marks the field.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from grouplink.domain.errors import DomainError, InvalidParameter, Unavailable

FORM = ""  # the key of an error that belongs to the whole form, not to one field


class FieldRefused(InvalidParameter):
    """A domain refusal of one form field, said in the form's words."""

    def __init__(self, field: str, details: str) -> None:
        super().__init__(details)
        self.field = field


def in_form_words(sentence: str, says: str, label: str) -> str:
    """``sentence`` with the name ``says`` at its start said as ``label``; the form
    takes a date, not unix seconds."""
    if says and sentence.startswith(says + " "):
        sentence = label + sentence[len(says) :]
    return sentence.replace(" (unix seconds)", "")


@contextmanager
def at_field(field: str, says: str = "", label: str = "") -> Iterator[None]:
    """Refusals inside the block belong to ``field``: the sentence names ``label``
    where the domain named ``says``."""
    try:
        yield
    except (Unavailable, FieldRefused):
        raise
    except DomainError as refused:
        raise FieldRefused(field, in_form_words(refused.details, says, label)) from refused


def errors_of(error: DomainError) -> dict[str, str]:
    """The template's ``errors``: the sentence keyed by its field (or :data:`FORM`)."""
    return {getattr(error, "field", FORM): error.details}
