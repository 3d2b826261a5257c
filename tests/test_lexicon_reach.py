"""A knowledge folder's own ``indicators.toml`` reaches every consumer of the lexicon.

The user extends the packaged lexicon with an indicator it has never heard of (瞪羚企业, asked as
高成长企业) and a term word (科创飞地); segmentation, retrieval, the extractive answer and its disagreement
note must all know it — they once loaded the packaged lexicon each on their own.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answer.chain import Answerer
from assistant.ingest.pipeline import ingest
from assistant.language.lexicon import load_lexicon
from assistant.language.tokens import tokenize_query
from assistant.retrieve import Retriever
from assistant.settings import Settings

EXTENSION = """
[[term]]
name = "科创飞地"
synonyms = ["异地孵化飞地"]

[[indicator]]
name = "瞪羚企业"
synonyms = ["高成长企业", "瞪羚企业数量"]
unit = "count"
"""


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    folder = tmp_path / "knowledge"
    folder.mkdir()
    (folder / "indicators.toml").write_text(EXTENSION, encoding="utf-8")
    (folder / "嘉兴市科技局2023年工作总结.txt").write_text(
        "嘉兴市科技局2023年工作总结\n一、主要成效\n2023年，嘉兴市新培育瞪羚企业35家，累计达到180家。"
        "全市研发经费投入强度达到3.35%。\n",
        encoding="utf-8",
    )
    (folder / "嘉兴市统计局2023年科技统计快报.txt").write_text(
        "嘉兴市统计局2023年科技统计快报\n2023年，嘉兴市新培育瞪羚企业37家。\n", encoding="utf-8"
    )
    return folder


def test_the_users_indicator_reaches_every_consumer(knowledge: Path, data_dir: Path, tmp_path: Path) -> None:
    settings = Settings(data_dir=data_dir, index_dir=tmp_path / "index", knowledge_dir=knowledge)
    report = ingest(settings, progress=False)
    assert not report.failed, report.failed
    retriever = Retriever(settings)
    assert retriever.lexicon is load_lexicon(knowledge)
    # segmentation: the user's term is one token, and a question's wording brings the other wordings
    assert "科创飞地" in tokenize_query("嘉兴市有几个异地孵化飞地？", retriever.lexicon)
    assert "瞪羚" in tokenize_query("嘉兴市2023年高成长企业有多少家？", retriever.lexicon)
    # retrieval: the passage that says 瞪羚企业 answers 高成长企业
    hits = retriever.search("嘉兴市2023年新培育高成长企业多少家？")
    assert hits and "瞪羚企业" in hits[0].text
    # the extractive answer binds the figure, and the disagreement note compares the two documents
    answer = Answerer(settings, retriever=retriever, backend="extractive").ask("嘉兴市2023年新培育高成长企业多少家？")
    assert not answer.refused, answer.answer
    assert "35家" in answer.answer and "37家" in answer.answer
    assert "不一致" in answer.answer
