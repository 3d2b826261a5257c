"""Whether a sentence or a table row carries the indicator a question asks, by the lexicon.

Grounding's word test: the question's indicator words (or their lexicon equivalents) must be in
the sentence, and the lexicon's distinctions must hold — 申请 is no answer to 授权, 发明专利 none to
专利, 基础研究经费 none to R&D经费, and a table row answers only for the indicators its headers or its
table's title name.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING

from assistant.language.lexicon import FOOTNOTE_MARK
from assistant.language.text import to_simplified

_SUB_ROW = re.compile(r"\s*(?:其中\s*[:：]?|#)\s*")

if TYPE_CHECKING:  # grounding imports this module; the types are only for annotations
    from assistant.answer.types import Passage, QuestionFacts


def credit(facts: QuestionFacts, token: str, text: str) -> bool:
    return any(squeeze(word) in text for word in facts.equivalents.get(token, (token,)))


def squeeze(text: str) -> str:
    """Lower case without spaces or footnote marks: 研究与试验发展（ R&D ）经费 as the bulletins' HTML
    spaces it, and 与国内生产总值[2]之比, still match."""
    return "".join(FOOTNOTE_MARK.sub("", text).lower().split())


def contradicts(facts: QuestionFacts, sentence: str) -> bool:
    """The sentence gives another measure or another indicator than the one asked, per the lexicon:
    发明专利授权 is answered neither by 申请发明专利4件 (the asked measure absent, its opposite present),
    nor by 专利授权91件 (the asked qualifier absent), nor 全国R&D经费 by 基础研究经费 (an indicator
    that must never stand for it)."""
    lexicon, q = facts.lexicon, facts.question
    for sides in lexicon.contrasts:
        asked = [side for side in sides if any(w in q for w in side)]
        if len(asked) == 1:
            other = sides[1] if asked[0] is sides[0] else sides[0]
            if not any(w in sentence for w in asked[0]) and any(w in sentence for w in other):
                return True
    if any(any(w in q for w in words) and not any(w in sentence for w in words) for words in lexicon.qualifiers):
        return True
    return another_indicator(facts, sentence)


def another_indicator(facts: QuestionFacts, sentence: str) -> bool:
    """The sentence names an indicator that must never stand for the asked one (基础研究经费 for R&D经费)
    and, apart from it, none of the asked indicator's words: 技术合同登记46项,成交金额698.89万元 still
    answers 技术合同成交额 (成交 is there), 全国基础研究经费1335.6亿元 does not answer R&D经费."""
    if not facts.indicators:
        return False
    found = facts.lexicon.find(sentence)
    if {name for name, _ in found} & set(facts.indicators):
        return False
    spans = [span for name, span in found if any(facts.lexicon.distinct(a, name) for a in facts.indicators)]
    if not spans:
        return False
    rest = squeeze("".join(" " if any(a <= i < b for a, b in spans) else c for i, c in enumerate(sentence)))
    return not any(word in rest for word in facts.indicator_words)


def row_lacks_indicator(facts: QuestionFacts, passage: Passage) -> bool:
    """A table row answers only for the indicators its column headers or its table's title name:
    a bulletin's row 广东｜R&D经费（亿元）4411.9 is no evidence for 广东's 基础研究经费, whatever share of
    the question's words the row label and document title happen to hold. The indicator is there
    when the headers, section or title name it, or hold every word of its wording — or the row's
    own label does, where a table's rows are its indicators (表3主要农产品产量｜粮食｜产量（吨）, 表2财政
    收支情况｜一般公共预算支出 其中：一般公共服务｜绝对数（亿元）)."""
    if passage.kind != "table_row" or not facts.indicators:
        return False
    try:
        cells = json.loads(passage.columns or "[]")
    except ValueError:
        cells = []
    headers = " ".join(str(c.get("header", "")) for c in cells if isinstance(c, dict))
    # each part of a 其中 row's label (粮食 其中：夏粮) read with the headers: 夏粮｜产量 is a 粮食产量
    labels = " ".join(f"{part} {headers}" for part in _SUB_ROW.split(passage.row_label))
    heading = to_simplified(f"{labels} {passage.section} {passage.title}")
    if {name for name, _ in facts.lexicon.find(heading)} & set(facts.indicators):
        return False
    # an indicator the table spreads over its title and headers (规模以上工业企业 in the title, R&D经费
    # 投入强度 in a header) is there when every word of its wording is
    text = squeeze(heading)
    return not facts.indicator_words or not all(credit(facts, w, text) for w in facts.indicator_words)


def row_named(facts: QuestionFacts, passage: Passage) -> bool:
    """A table row whose own label (the part after 其中：) the question names: a cell question
    (2016年夏粮产量, 2016年教育支出) is answered from that row before a sentence of equal coverage."""
    if passage.kind != "table_row" or not passage.row_label:
        return False
    label = squeeze(to_simplified(_SUB_ROW.split(passage.row_label)[-1]))
    question = squeeze(facts.question)
    try:
        cells = json.loads(passage.columns or "[]")
    except ValueError:
        cells = []
    # a label the question holds only inside the table's column header (其中：科学技术支出 in
    # 财政科学技术支出, the header the 合计 row answers) is not named by it
    for header in sorted({squeeze(str(c.get("header", ""))) for c in cells if isinstance(c, dict)}, key=len)[::-1]:
        if len(header) > len(label) and label in header:
            question = question.replace(header, " ")
    return bool(label) and label in question
