"""One model call for the parts of a question that share passages.

Answered part by part, a question of three parts calls the model three times, each call reading
its passages and writing its answer: on the local model (1.5B parameters, two cores) three times
the wait. Parts whose prompt passages overlap — one bulletin paragraph or table row answers both
湖北省R&D经费 and its 投入强度 — are asked in one prompt (``prompts/answer_parts.md``) holding
their best passages, each once, and asking one answer line per numbered part. The reply is
cut back into the parts, each line's [n] renumbered to its part's own passages, and each line then
goes where a single part's answer goes (:meth:`ChatBackend.checked`, the fallbacks of
:func:`backends.generate`, the chain's verification): a part the reply leaves out, or answers with
a figure its passages do not hold as the asked indicator, falls back alone, as a single part would.

"Share passages", concretely: two parts share when the passages the model would be shown for each
(:meth:`ChatBackend.chosen`: the top ``answer.local_passages`` by evidence) have a chunk in common.
A group grows in the question's order while it holds at most ``answer.joint_parts`` parts and the
union of its passages fits the prompt budget left by that many answers. A part grounded to a
refusal (no model runs) or to the fact table's rows (a table answer of its own) is not asked here.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

from assistant.answer.prompts import load_prompt
from assistant.answer.stages import Answer, Grounded, Rejection
from assistant.answer.streaming import streaming
from assistant.answer.verify import CITATION, answer_figures, mask_citations

if TYPE_CHECKING:
    from langchain_core.caches import BaseCache
    from langchain_core.language_models.chat_models import BaseChatModel
    from langchain_core.runnables import RunnableConfig

    from assistant.answer.backends.chat import ChatBackend
    from assistant.answer.chain import Answerer
    from assistant.answer.types import Passage

LEFT_OUT = "the model's answer to the parts leaves this part out"
TWICE = "the model's answer to the parts gives this part the figure it gives another"
_NUMERALS = "一二三四五六七八九十"
_BRACKETED = re.compile(r"[（(【]\s*(\d{1,2}|[一二三四五六七八九十])\s*[)）】]")
_LEADING = re.compile(
    r"^\s*(?:[（(【]\s*(\d{1,2}|[一二三四五六七八九十])\s*[)）】]|第?\s*(\d{1,2})\s*(?:部分)?\s*[.、:：](?!\d(?!\d{3}年)))\s*[:：]?\s*"
)


def answer_jointly(answerer: Answerer, grounded: list[Grounded]) -> dict[int, Answer]:
    """The answers of the parts (by index) that one model call answered together; a part not here
    is left to its own call."""
    backend = answerer.generator
    limit = answerer.settings.answer.joint_parts
    if backend.chat_model is None or limit < 2:
        return {}
    from assistant.answer.backends.chat import ChatBackend  # the model backends' module: not for the extractive one

    if not isinstance(backend, ChatBackend):
        return {}
    out: dict[int, Answer] = {}
    for group in shared_groups(backend, grounded, limit):
        out |= _ask(answerer, backend, {i: grounded[i] for i in group})
    return out


def shared_groups(backend: ChatBackend, grounded: list[Grounded], limit: int) -> list[list[int]]:
    """Indexes of the parts to ask together: groups of two or more whose shown passages overlap."""
    shown = {
        i: {p.chunk_id for p in backend.chosen(g)}
        for i, g in enumerate(grounded)
        if g.refusal is None and g.fact_answer is None
    }
    groups: list[list[int]] = []
    for i, chunks in shown.items():
        home = next(
            (
                group
                for group in groups
                if len(group) < limit
                and any(chunks & shown[j] for j in group)
                and _fits(backend, [grounded[j] for j in [*group, i]])
            ),
            None,
        )
        if home is None:
            groups.append([i])
        else:
            home.append(i)
    return [g for g in groups if len(g) > 1]


def _fits(backend: ChatBackend, members: list[Grounded]) -> bool:
    """Whether every passage the members are shown fits the prompt left by their answers."""
    from assistant.answer.backends.chat import fitting

    blocks, _ = joint_passages(backend, members)
    return fitting(blocks, backend.budget(len(members))) == len(blocks)


def joint_passages(backend: ChatBackend, members: list[Grounded]) -> tuple[list[str], dict[str, int]]:
    """The prompt's passage blocks — each part's best passages, each passage once, numbered in the
    parts' order, cut to the sentences that bear on any of the parts — and each chunk's number.
    The parts share a single prompt's ``max_passages`` (⌈k/n⌉ each): the prompt is what llama.cpp
    reads before the first word, and three parts' top three (five passages where two are shared)
    cost more to read than three calls whose shared first passages its prefix cache keeps."""
    from assistant.answer.backends.chat import focus, focus_sentences

    numbers: dict[str, int] = {}
    sentences: dict[str, list[str]] = {}
    first: dict[str, Passage] = {}
    share = -(-backend.max_passages // len(members)) if backend.max_passages else None
    for g in members:
        for p in backend.chosen(g, share):
            numbers.setdefault(p.chunk_id, len(numbers) + 1)
            first.setdefault(p.chunk_id, p)
            sentences.setdefault(p.chunk_id, []).extend(focus_sentences(p, g.evidence))
    blocks = [
        f"{replace(first[c], n=n).header()}\n{focus(first[c], sentences[c])}"
        for c, n in sorted(numbers.items(), key=lambda x: x[1])
    ]
    return blocks, numbers


def _prompt(backend: ChatBackend, members: list[Grounded]) -> tuple[list[BaseMessage], dict[str, int]]:
    """The one prompt for the members, and the number it gives each chunk. Its system text is
    answer.md's, so the prefix llama.cpp keeps from the last call (a single question's) serves."""
    blocks, numbers = joint_passages(backend, members)
    asked = "\n".join(f"（{k}）{g.turn.standalone}" for k, g in enumerate(members, start=1))
    system = load_prompt("answer").render(passages="", question="")[0]
    system, user = load_prompt("answer_parts").render(system=system, passages="\n\n".join(blocks), parts=asked)
    return [SystemMessage(system), HumanMessage(user)], numbers


def _ask(answerer: Answerer, backend: ChatBackend, members: dict[int, Grounded]) -> dict[int, Answer]:
    """One call for the members; each part's line checked and verified as its own answer."""
    messages, numbers = _prompt(backend, list(members.values()))
    started = time.perf_counter()
    failed: Exception | None = None
    lines: dict[int, str] = {}
    try:
        model = backend.chat_model.bind(max_tokens=answerer.settings.answer.max_tokens * len(members))
        lines = split_reply(str(model.invoke(messages, config=streaming(None)).content), len(members))
    except Exception as exc:  # the endpoint is down or broke mid-reply: each part falls back as a single one would
        failed = exc
    share = (time.perf_counter() - started) * 1000 / len(members)
    twice = repeated(lines)
    out: dict[int, Answer] = {}
    for k, (i, g) in enumerate(members.items(), start=1):
        own = {numbers[p.chunk_id]: p.n for p in g.passages if p.chunk_id in numbers}
        if failed or k not in lines or k in twice:
            written: str | Rejection | Exception = failed or Rejection(TWICE if k in twice else LEFT_OUT)
        else:
            written = backend.checked(renumbered(lines[k], own), g)
        answer, _ = answerer.answer_part(g.turn.standalone, g.turn.request.filters, g, Replayed(backend, written))
        answer.timings["generate_ms"] = answer.timings.get("generate_ms", 0.0) + share
        out[i] = answer
    return out


def repeated(lines: dict[int, str]) -> set[int]:
    """The parts whose line states a figure another part's line states too. A small model answering
    several parts copies one part's figure into another's line (新认定75家 for the 累计75家 asked
    beside it); the figure is in the cited passage, and where the fact table does not bind it to
    its indicator, verification alone would pass it. Such lines fall back, each as a single part's."""
    holders: dict[tuple[float, str], set[int]] = {}
    for k, line in lines.items():
        for f in answer_figures(mask_citations(line))[0]:
            holders.setdefault((f.value, f.unit), set()).add(k)
    return {k for ks in holders.values() if len(ks) > 1 for k in ks}


def split_reply(text: str, parts: int) -> dict[int, str]:
    """Each numbered part's answer in the reply ({k: text}, k from 1): a line opening with （k）,
    (k), k. or 第k部分; a line with no number continues the part above it. Parts written on one
    line are cut at each （k）."""
    text = _BRACKETED.sub(lambda m: f"\n{m.group(0)}" if 1 <= _number(m.group(1)) <= parts else m.group(0), text)
    found: dict[int, list[str]] = {}
    current = 0
    for line in text.splitlines():
        m = _LEADING.match(line)
        if m:
            k = _number(m.group(1) or m.group(2))
            current = k if 1 <= k <= parts else 0
            line = line[m.end() :]
        if current and line.strip():
            found.setdefault(current, []).append(line.strip())
    return {k: "\n".join(v) for k, v in found.items()}


def _number(token: str) -> int:
    return int(token) if token.isdigit() else _NUMERALS.index(token) + 1


def renumbered(line: str, own: dict[int, int]) -> str:
    """A part's line with the prompt's [n] turned into the part's own passage numbers; a passage
    the part did not retrieve is no source of its answer, and its [n] is dropped."""
    return CITATION.sub(lambda m: f"[{own[int(m.group(1))]}]" if int(m.group(1)) in own else "", line)


@dataclass(frozen=True)
class Replayed:
    """One part's line of the shared reply, handed to :func:`backends.generate` as a backend's own
    answer (or failure) would be, so that what follows — a rejection's extractive fallback, a
    decline, an unreachable endpoint's notice — is exactly a single part's."""

    backend: ChatBackend
    written: str | Rejection | Exception

    @property
    def name(self) -> str:
        return self.backend.name

    @property
    def chat_model(self) -> BaseChatModel | None:
        return self.backend.chat_model

    @property
    def completion_cache(self) -> BaseCache | None:
        return self.backend.completion_cache

    def write(self, grounded: Grounded, config: RunnableConfig) -> str | Rejection:
        if isinstance(self.written, Exception):
            raise self.written
        return self.written
