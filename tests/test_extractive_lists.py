"""A sentence that leads into a list is quoted with its items.

Written for 第三条 of 专利收费减缴办法 (fresh-2026-12: "符合下列条件之一的，可以…请求减缴上述收费："
quoted alone stated none of the conditions, 3500元 among them). Checked here on every lead-in of
the five regulations of knowledge/ (Markdown, a blank line between items), which it was not written
for: each is quoted with every item that follows it, in order, and an item chosen on its own as well
is not quoted twice.
"""

from __future__ import annotations

import re

import pytest

from assistant.answer.extractive import MAX_ITEMS, compose
from assistant.answer.types import Evidence, Passage, QuestionFacts
from assistant.settings import PROJECT_ROOT

ITEM = re.compile(r"^[（(][一二三四五六七八九十]{1,3}[)）]")


def lead_ins() -> list[tuple[str, str, list[str]]]:
    """(document, lead-in sentence, its items) for every line ending in ：followed by numbered items."""
    found = []
    for path in sorted((PROJECT_ROOT / "knowledge").glob("*.md")):
        lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        for i, line in enumerate(lines):
            if not line.endswith("："):
                continue
            items = []
            for follower in lines[i + 1 :]:
                if not ITEM.match(follower):
                    break
                items.append(follower)
            if items:
                found.append((path.name, line, items))
    return found


LEAD_INS = lead_ins()


def _evidence(name: str, sentence: str, text: str) -> Evidence:
    passage = Passage(1, f"{name}#0", name, name, "浙江省", (), "", text)
    return Evidence(passage, sentence, 1.0, ())


def test_the_regulations_have_lead_ins_to_check() -> None:
    assert len(LEAD_INS) >= 10 and len({name for name, _, _ in LEAD_INS}) == 5


@pytest.mark.parametrize(
    ("name", "lead", "items"), LEAD_INS, ids=[f"{n[:6]}-{i}" for i, (n, _, _) in enumerate(LEAD_INS)]
)
def test_every_lead_in_is_quoted_with_its_items(name: str, lead: str, items: list[str]) -> None:
    text = "\n\n".join([lead, *items, "下一条。"])  # as the Markdown lays them out
    answer = compose(QuestionFacts(), [_evidence(name, lead, text), _evidence(name, items[-1], text)])
    body = answer.split("：", 1)[1]
    positions = [body.find(item.rstrip("。；;")) for item in items[:MAX_ITEMS]]
    assert -1 not in positions and positions == sorted(positions), answer
    assert body.count(items[-1].rstrip("。；;")) == 1, answer  # the item chosen on its own is not repeated
    assert "下一条" not in answer


@pytest.mark.parametrize(
    ("name", "lead", "items"), LEAD_INS, ids=[f"{n[:6]}-{i}" for i, (n, _, _) in enumerate(LEAD_INS)]
)
def test_an_item_chosen_alone_is_quoted_after_its_lead_in(name: str, lead: str, items: list[str]) -> None:
    """（二）擅自提高收费标准的 alone says nothing of the fine its lead-in sets (浙江省技术市场条例 第二十六条)."""
    text = "\n\n".join(["上一条。", lead, *items])
    for item in items:
        answer = compose(QuestionFacts(), [_evidence(name, item, text)])
        body = answer.split("）：", 1)[1] if "）：" in answer else answer
        assert lead.rstrip("：") in body and body.index(lead.rstrip("：")) < body.index(item.rstrip("。；;")), answer
        assert "上一条" not in answer
