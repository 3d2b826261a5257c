"""A question as typed or pasted, made safe to answer or refused in one line.

Anything a user can paste must end in an answer or a message, never a traceback: a lone UTF-16
surrogate (a broken emoji from a JSON file, an undecodable byte of a command line) cannot be
printed, encoded or embedded, so it is refused by position; other invisible format characters
are dropped; a question longer than ``answer.max_question_chars`` is refused (a 10,000-character
question kept the page busy for 131 s). Years written in Chinese numerals (二〇二〇年) are read.
"""

from __future__ import annotations

import re

from assistant.errors import AssistantError
from assistant.language.years import arabic_years

_SURROGATE = re.compile("[\ud800-\udfff]")
# zero-width spaces and joiners, bidi controls, BOM: invisible, and they split words for search
_INVISIBLE = re.compile("[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


class QuestionError(AssistantError):
    """The question cannot be asked as given; the message says why and what to do."""


def read_question(text: str, max_chars: int) -> str:
    """``text`` ready to answer: stripped, invisible characters removed, Chinese-numeral years as
    digits; raises :class:`QuestionError` for a lone surrogate or a question over ``max_chars``."""
    if bad := _SURROGATE.search(text):
        raise QuestionError(
            f"the question holds an unpaired surrogate U+{ord(bad.group()):04X} at character "
            f"{bad.start() + 1}, which is no character (a broken emoji or a mis-decoded byte?); "
            "paste it again from the original"
        )
    question = arabic_years(_INVISIBLE.sub("", text)).strip()
    if len(question) > max_chars:
        raise QuestionError(
            f"the question is {len(question):,} characters long; the limit is {max_chars:,} "
            "(ask about one figure at a time, or raise ASSISTANT_ANSWER__MAX_QUESTION_CHARS)"
        )
    return question


def printable(text: str) -> str:
    """``text`` safe to print or encode as UTF-8 (a lone surrogate shown as its \\udXXX escape)."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
