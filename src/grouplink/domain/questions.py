"""Join questions: up to three a group asks those who need approval, before they ask."""

from __future__ import annotations

import json
from dataclasses import dataclass

from grouplink.domain.errors import InvalidParameter

MAX_QUESTIONS = 3
QUESTION_MAX = 200
ANSWER_MAX = 500


@dataclass(frozen=True, slots=True)
class Answer:
    question: str
    answer: str


def clean_questions(value: object) -> list[str]:
    """0 to 3 questions of 1 to 200 characters; ``null`` or ``[]`` asks none."""
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_QUESTIONS:
        raise InvalidParameter(
            f"join_questions must be a list of at most {MAX_QUESTIONS} questions"
        )
    questions = []
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise InvalidParameter("Each join question must be text of at least one character")
        if len(item.strip()) > QUESTION_MAX:
            raise InvalidParameter(f"A join question is longer than {QUESTION_MAX} characters")
        questions.append(item.strip())
    return questions


def clean_answers(questions: list[str], value: object) -> list[Answer]:
    """One answer of 1 to 500 characters per question, in the questions' order."""
    if not questions:
        return []
    if not isinstance(value, list) or len(value) > len(questions):
        raise InvalidParameter(
            f"This group asks {len(questions)} join question(s): send answers as a list of "
            f"{len(questions)} texts, in the questions' order"
        )
    value = value + [""] * (len(questions) - len(value))  # what is not sent is missing
    answers = []
    for number, (question, answer) in enumerate(zip(questions, value, strict=True), start=1):
        if not isinstance(answer, str) or not answer.strip():
            raise InvalidParameter(f"Answer {number} is missing ({question!r})")
        if len(answer.strip()) > ANSWER_MAX:
            raise InvalidParameter(f"Answer {number} is longer than {ANSWER_MAX} characters")
        answers.append(Answer(question, answer.strip()))
    return answers


def stored_questions(text: str | None) -> list[str]:
    return list(json.loads(text)) if text else []


def store_questions(questions: list[str]) -> str | None:
    return json.dumps(questions) if questions else None


def stored_answers(text: str | None) -> list[Answer]:
    return [Answer(a["question"], a["answer"]) for a in json.loads(text)] if text else []


def store_answers(answers: list[Answer]) -> str | None:
    if not answers:
        return None
    return json.dumps([{"question": a.question, "answer": a.answer} for a in answers])
