"""The model backends on comparison, trend and ranking questions and on documents that disagree,
through a real OpenAI-compatible HTTP endpoint on loopback.

The endpoint is :class:`conftest.ScriptedChat`: a real HTTP server speaking the chat-completions
protocol (streamed), whose "model" writes a chosen answer — no real model states a given figure
on cue. Everything else is real: the ``openai`` backend's client, the chain, the fact table over
a copy of the shipped index plus three documents ingested through the real pipeline, and
verification. The bundled model's own run of these paths is in ``test_llm_backends.py``.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable

import pytest
from conftest import KNOWLEDGE, ScriptedChat

from assistant.answer.chain import Answer, Answerer
from assistant.ingest.pipeline import ingest
from assistant.retrieve import Retriever
from assistant.settings import Settings

TABLE = "| 地区 | R&D经费（亿元） | R&D经费投入强度（%） |\n| --- | --- | --- |\n"
DOCUMENTS = {
    # the revision: 2022 intensity 2.54 % in the 2022 bulletin, 2.56 % in the 2023 one
    "2022年科技经费公报.md": "# 2022年全国科技经费投入统计公报\n\n附表 2022年各地区研究与试验发展（R&D）经费情况\n\n"
    + TABLE
    + "| 全国 | 30782.9 | 2.54 |\n| 北京 | 2843.3 | 6.83 |\n| 上海 | 1981.6 | 4.44 |\n| 广东 | 4411.9 | 3.42 |\n",
    "2023年科技经费公报.md": "# 2023年全国科技经费投入统计公报\n\n附表 2023年各地区研究与试验发展（R&D）经费情况\n\n"
    + TABLE
    + "| 全国 | 33357.1 | 2.65 |\n| 北京 | 2947.1 | 6.73 |\n| 上海 | 2049.6 | 4.34 |\n| 广东 | 4802.6 | 3.54 |\n\n"
    + "附表 2022年研究与试验发展（R&D）经费投入强度（修订数）\n\n"
    + TABLE
    + "| 全国 | 30782.9 | 2.56 |\n",
    # a second 泰兴市 document giving the 2020 count differently (86家 in the bureau's report)
    "泰兴市科技局2020年工作简报.txt": (
        "泰兴市科技局2020年工作简报\n泰兴市科学技术局\n2020年，全市新认定国家高企90家，科技型中小企业评价入库423家。"
    ),
}
_ROW = re.compile(r"\[(\d+)\] 《[^》]*》（([^，]*)，(\d{4})年）[^\n]*\n[^\n]*（[^：）]*：([^）]+)）")


@pytest.fixture(scope="module")
def disagreeing_settings(corpus_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """The shipped index plus two bulletins (a preliminary and a revised figure) and a rival report."""
    root = tmp_path_factory.mktemp("disagree")
    shutil.copytree(corpus_settings.resolved_index_dir, root / "index")
    folder = root / "docs"
    folder.mkdir()
    for name, text in DOCUMENTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    settings = Settings(data_dir=corpus_settings.data_dir, index_dir=root / "index", knowledge_dir=KNOWLEDGE)
    report = ingest(settings, [folder], progress=False)
    assert report.documents == len(DOCUMENTS) and not report.failed, report
    return settings


@pytest.fixture
def ask(disagreeing_settings: Settings, endpoint: type[ScriptedChat]) -> Callable[[str, Callable[[str], str]], Answer]:
    """Ask through the ``openai`` backend, the endpoint's model replying ``reply(user prompt)``."""
    settings = disagreeing_settings.model_copy(update={"openai_base_url": endpoint.url, "openai_api_key": "sk-local"})
    answerer = Answerer(settings, retriever=Retriever(settings), backend="openai")

    def run(question: str, reply: Callable[[str], str]) -> Answer:
        endpoint.requests.clear()
        endpoint.reply = staticmethod(lambda messages: reply(messages[-1]["content"]))
        tokens: list[str] = []
        answer = answerer.ask(question, on_token=tokens.append)
        assert "".join(tokens).strip(), "nothing was streamed"
        return answer

    return run


def every_row(prompt: str) -> str:
    """A diligent model: one line per numbered fact row, its figure copied and cited."""
    rows = _ROW.findall(prompt)
    assert rows, prompt
    return "\n".join(f"{region}{year}年为{figure}[{n}]。" for n, region, year, figure in rows)


def _checked(answer: Answer) -> None:
    assert answer.backend == "openai" and "未通过核验" not in answer.notice, (answer.notice, answer.answer)
    assert answer.figures and all(f.verified and not f.unbound for f in answer.figures), answer.figures


def test_a_comparison_reaches_the_model_as_numbered_fact_rows(ask, endpoint) -> None:
    answer = ask("2022年北京和上海的R&D经费投入强度分别是多少？", every_row)
    prompt = endpoint.requests[-1]["messages"][-1]["content"]
    assert "[1] 《2022年全国科技经费投入统计公报》（北京市，2022年）" in prompt and "[2] 《" in prompt
    assert "R&D经费投入强度：6.83%" in prompt and "R&D经费投入强度：4.44%" in prompt
    _checked(answer)
    assert "6.83%[1]" in answer.answer and "4.44%[2]" in answer.answer
    assert [s["value"] for s in answer.series] == [6.83, 4.44]  # the chart under the answer


def test_a_trend_and_a_ranking_are_verified_and_bound(ask) -> None:
    trend = ask("北京2022年到2023年R&D经费投入强度的变化趋势如何？", every_row)
    _checked(trend)
    assert "6.83%" in trend.answer and "6.73%" in trend.answer and len(trend.series) == 2
    ranking = ask("2023年R&D经费投入强度排名前三的地区是哪些？", every_row)
    _checked(ranking)
    assert [s["region"] for s in ranking.series] == ["北京市", "上海市", "广东省"]
    assert "排名范围" in ranking.notice  # over the regions the corpus holds, and the answer says so


def test_a_model_figure_of_another_column_is_not_taken(ask) -> None:
    """2843.3 is in row [1], but there it is R&D经费, not the asked intensity: bound verification
    rejects the model's answer and the rows answer instead, with a notice."""
    answer = ask(
        "2022年北京和上海的R&D经费投入强度分别是多少？", lambda prompt: "北京为2843.3亿元[1]，上海为1981.6亿元[2]。"
    )
    assert answer.backend == "extractive" and "another indicator" in answer.notice, answer.notice
    assert "6.83%" in answer.answer and "2843.3" not in answer.answer


def test_a_fact_cell_two_documents_give_differently_is_said_to_disagree(ask) -> None:
    """The model lists both rows (it must: it was given both) without a word on the difference;
    the answer still says the documents disagree, each figure cited to its own bulletin."""
    answer = ask("2022年全国R&D经费投入强度是多少？", every_row)
    _checked(answer)
    assert "2.54%" in answer.answer and "2.56%" in answer.answer and "不一致" in answer.answer, answer.answer
    assert {c.source for c in answer.citations} == {"2022年科技经费公报.md", "2023年科技经费公报.md"}


def test_a_retrieved_figure_another_document_gives_differently_is_shown_beside_it(ask) -> None:
    """Retrieval path (no table): the model states the bureau report's 86家 only; the answer adds
    the rival report's 90家 with its source and says they disagree."""

    def first_86(prompt: str) -> str:
        n = next(m.group(1) for m in re.finditer(r"\[(\d+)\][^\[]*?86家", prompt, re.S))
        return f"泰兴市2020年新认定国家高企86家[{n}]。"

    answer = ask("泰兴市2020年新认定国家高企多少家？", first_86)
    _checked(answer)
    assert "86家" in answer.answer and "90家" in answer.answer and "不一致" in answer.answer, answer.answer
    assert {"001_bbaa06e7afcfcd41.txt", "泰兴市科技局2020年工作简报.txt"} <= {c.source for c in answer.citations}
