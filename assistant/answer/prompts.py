"""Prompt templates loaded from ``prompts/*.md`` with their variables checked at load time.

A template that lost a variable in an edit would silently answer without passages; checking
at load turns that into a start-up error that names the file and the variable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from string import Template

from assistant.answer.refusal import CANNOT_ANSWER
from assistant.errors import AssistantError

# the package's own copy (a link to the checkout's prompts/ folder), so an installed wheel answers too
PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"

REQUIRED: dict[str, frozenset[str]] = {
    "answer": frozenset({"passages", "question", "cannot_answer"}),
    # its system text is answer.md's ($system): one prefix, which llama.cpp's prompt cache keeps for both
    "answer_parts": frozenset({"system", "passages", "parts", "cannot_answer"}),
    "draft": frozenset({"passages", "topic", "style", "chars", "cannot_answer"}),
    "draft_frame": frozenset({"passages", "topic"}),
    "rewrite": frozenset({"history", "question"}),
}

_SECTION = re.compile(r"^## (system|user)\s*$", re.M)


@dataclass(frozen=True)
class PromptTemplate:
    name: str
    system: Template
    user: Template

    def render(self, **values: str) -> tuple[str, str]:
        """(system, user) texts; every variable must be given."""
        values = {"cannot_answer": CANNOT_ANSWER, **values}
        return self.system.substitute(values), self.user.substitute(values)


def _variables(template: Template) -> set[str]:
    return {m.group("named") or m.group("braced") for m in template.pattern.finditer(template.template)} - {None}


@cache
def load_prompt(name: str, folder: Path = PROMPTS_DIR) -> PromptTemplate:
    """Parse ``folder/name.md``; raise if a section or a required variable is missing."""
    path = folder / f"{name}.md"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise AssistantError(f"prompt {path} cannot be read: {exc}") from exc
    parts = _SECTION.split(text)
    sections = dict(zip(parts[1::2], (p.strip() for p in parts[2::2])))
    if set(sections) != {"system", "user"}:
        raise AssistantError(f"prompt {path} needs a '## system' and a '## user' section")
    prompt = PromptTemplate(name, Template(sections["system"]), Template(sections["user"]))
    missing = REQUIRED.get(name, frozenset()) - _variables(prompt.system) - _variables(prompt.user)
    if missing:
        raise AssistantError(f"prompt {path} lacks the variable(s) {', '.join('$' + v for v in sorted(missing))}")
    return prompt
