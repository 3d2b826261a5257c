"""What a writer leads with, as data: ``assistant/data/drafting.toml``, validated at load.

Which indicators are headlines and in what order, the words by which a topic asks for each, and
the markers of shortcomings, targets, work under way and comparisons are vocabulary, not code:
they live in the data file so that a new corpus is served by editing it. The model here names a
bad entry when the file is read, not halfway through a draft.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache, lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from assistant.errors import AssistantError

# the kinds of paragraph a draft is written as: the CLI's --style, the page's radio, the planner's choice
STYLES = ("总结", "对比", "简报")

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "drafting.toml"


class Headline(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    indicators: list[str]  # canonical names in the indicator lexicon
    topic: list[str]
    query: str


class Markers(BaseModel):
    model_config = ConfigDict(extra="forbid")
    shortcoming_sections: list[str]
    plan_sections: list[str]
    target_words: list[str]
    pending: list[str]
    continuation: list[str]
    comparison: list[str]
    bare_share: list[str]
    policy_topic: list[str]
    frame_words: list[str]
    general_topic: list[str]


class DraftingSpec(BaseModel):
    """The data file, validated: a bad entry is named at load, not discovered mid-draft."""

    model_config = ConfigDict(extra="forbid")
    headline: list[Headline]
    units: dict[str, list[str]]  # lexicon unit family → figure units
    markers: Markers

    def pattern(self, name: str) -> re.Pattern[str]:
        return _alternation(tuple(getattr(self.markers, name)))

    def is_target(self, text: str) -> bool:
        """The text states a target or an estimate (力争…达到, 预计), not a result: no figure of it is
        drafted as achieved, taken as the year's value, or set against the result as a disagreement."""
        return bool(self.pattern("target_words").search(text))

    def importance(self, indicator: str) -> int | None:
        """The place (0 = most important) of the first headline a lexicon indicator belongs to, or None."""
        return next((i for i, h in enumerate(self.headline) if indicator in h.indicators), None)


@cache
def _alternation(words: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(words))


@lru_cache(maxsize=4)
def load_spec(path: Path = DATA_FILE) -> DraftingSpec:
    try:
        return DraftingSpec.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except (OSError, tomllib.TOMLDecodeError, ValueError) as exc:
        raise AssistantError(f"drafting data {path} is invalid: {str(exc).splitlines()[0]}") from exc
