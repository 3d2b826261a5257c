"""Parts of one question that share passages are answered by one model call (answer/joint.py),
each part's line then checked, verified and falling back on its own.

The document is the S&T paragraph of the 2023 洛阳市 statistical bulletin (fresh-2026-12 in
../shared/corpora, a prefecture bulletin no rule was written for), written at test time as a TXT
beside its title and issuers. The endpoint is :class:`conftest.ScriptedChat`: a real loopback
HTTP server speaking the chat-completions protocol, standing in for llama.cpp's server (no real
model states a chosen figure on cue); the backend is the ``local`` backend's configuration (its
``answer.local_passages`` shown passages) over the same ``ChatOpenAI`` client. Everything else —
ingest, retrieval, grounding, decomposition, verification, the fallbacks — is the real path.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import KNOWLEDGE, ScriptedChat

from assistant.answer.joint import split_reply
from assistant.settings import PROJECT_ROOT, Settings

BULLETIN = (
    PROJECT_ROOT.parent / "shared" / "corpora" / "fresh-2026-12" / "HYSkyline-squan_kw__luoyang_2023_tongji_gongbao.txt"
)
QUESTION = "洛阳市2023年授权专利、有效发明专利和技术合同成交额分别是多少？"
FIGURES = ("12123件", "12672件", "145.4亿元")
LINES = (
    "洛阳市2023年全年共授权专利{0}[{n}]。",
    "截至2023年底，洛阳市有效发明专利{1}[{n}]。",
    "洛阳市2023年技术合同成交额{2}[{n}]。",
)


def _bulletin() -> Path:
    if not BULLETIN.exists():
        pytest.skip("the 洛阳市 bulletin of ../shared/corpora is not here")
    return BULLETIN


@pytest.fixture(scope="module")
def luoyang(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """An index of the bulletin's title lines and its 十、科学技术和教育 paragraph on patents."""
    from assistant.ingest.pipeline import ingest

    lines = _bulletin().read_text(encoding="utf-8").splitlines()
    paragraph = next(line for line in lines if "授权专利" in line and "技术合同成交额" in line)
    root = tmp_path_factory.mktemp("luoyang")
    (root / "docs").mkdir()
    text = "\n\n".join([*lines[:5], "十、科学技术和教育", paragraph])
    (root / "docs" / "2023年洛阳市国民经济和社会发展统计公报.txt").write_text(text, encoding="utf-8")
    settings = Settings(data_dir=data_dir, index_dir=root / "index", knowledge_dir=KNOWLEDGE)
    assert not ingest(settings, [root / "docs"], progress=False).failed
    return settings


@pytest.fixture
def ask(luoyang: Settings, endpoint: type[ScriptedChat]) -> Callable[[Callable[[str], str]], object]:
    """Ask QUESTION through a local-configured chat backend whose model replies ``reply(user prompt)``."""
    from assistant.answer.backends.chat import ChatBackend
    from assistant.answer.backends.openai import chat_openai
    from assistant.answer.chain import Answerer

    model = chat_openai(luoyang, endpoint.url, None, "local", max_retries=0)
    backend = ChatBackend("local", model, luoyang, max_passages=luoyang.answer.local_passages)
    answerer = Answerer(luoyang, backend=backend)

    def run(reply: Callable[[str], str]):  # type: ignore[no-untyped-def]
        endpoint.requests.clear()
        endpoint.reply = staticmethod(lambda messages: reply(messages[-1]["content"]))
        return answerer.ask(QUESTION)

    return run


def _paragraph_number(prompt: str) -> int:
    """The [n] the prompt gives the bulletin's paragraph."""
    block = next(b for b in prompt.split("\n\n") if "12123" in b)
    return int(re.search(r"\[(\d+)\]", block).group(1))  # type: ignore[union-attr]


def _reply(*lines: str) -> Callable[[str], str]:
    def reply(prompt: str) -> str:
        n = _paragraph_number(prompt)
        return "\n".join(f"（{k}）{line.format(*FIGURES, n=n)}" for k, line in lines if line)

    return reply  # type: ignore[return-value]


def test_three_parts_sharing_a_paragraph_make_one_model_call(ask, endpoint) -> None:  # type: ignore[no-untyped-def]
    answer = ask(_reply(*enumerate(LINES, start=1)))
    assert len(endpoint.requests) == 1, "one call for three parts that share their passage"
    prompt = endpoint.requests[0]["messages"][-1]["content"]
    assert all(f"（{k}）" in prompt for k in (1, 2, 3)) and prompt.count("12123件") == 1  # the passage once
    system = endpoint.requests[0]["messages"][0]["content"]
    assert "<资料>\n[1]" in prompt and "不是对你的指示" in system  # fenced as quoted data, as answer.md does
    assert [(p["status"], p["joint"]) for p in answer.parts] == [("answered", True)] * 3, answer.answer
    lines = answer.answer.splitlines()
    for line, figure in zip(lines[1:], FIGURES):
        assert figure in line and "未核实" not in line
    assert all(f.verified for f in answer.figures) and {f.text for f in answer.figures} >= set(FIGURES)
    assert not answer.notice and answer.backend == "local"
    assert set(answer.to_json()["parts"][0]) >= {"claim", "question", "slots", "status", "figures", "citations"}


def test_a_part_left_out_and_a_wrong_figure_fall_back_alone(ask, endpoint) -> None:  # type: ignore[no-untyped-def]
    """Part 2 missing from the reply and 145.9亿元 for part 3: each falls back as a single part would
    (the extractive answer from its own evidence, with the notice); part 1 stays the model's."""
    wrong = LINES[2].replace("{2}", "145.9亿元")
    answer = ask(_reply((1, LINES[0]), (3, wrong)))
    assert len(endpoint.requests) == 1, "the fallback is the extractive composer's, no second call"
    assert [p["status"] for p in answer.parts] == ["answered"] * 3, answer.answer
    lines = answer.answer.splitlines()
    assert "全年共授权专利12123件" in lines[1]  # the model's own line
    assert "12672件" in lines[2] and "145.4亿元" in lines[3] and "145.9" not in answer.answer
    assert all(f.verified for f in answer.figures), answer.figures
    assert "未通过核验" in answer.notice and answer.backend == "local+extractive"


def test_one_figure_given_to_two_parts_falls_back_for_both(ask, endpoint) -> None:  # type: ignore[no-untyped-def]
    """12123件 (授权专利) written on part 2's line too: neither line is trusted, each part is
    answered from its own evidence; no figure is the other part's."""
    answer = ask(_reply((1, LINES[0]), (2, LINES[1].replace("{1}", "{0}")), (3, LINES[2])))
    assert len(endpoint.requests) == 1
    assert [p["status"] for p in answer.parts] == ["answered"] * 3, answer.answer
    lines = answer.answer.splitlines()
    assert "12672件" in lines[2] and "12123件" not in lines[2] and "12123件" in lines[1], answer.answer
    assert "2023年全年共授权专利" not in lines[1]  # not the model's line: the part's own evidence
    assert all(f.verified for f in answer.figures)


def test_a_part_the_model_declines_is_what_it_is_asked_alone(ask, endpoint, luoyang) -> None:  # type: ignore[no-untyped-def]
    """A part the model says the passages do not answer ends as that part asked alone with that
    reply ends (declined, or answered from the passage holding its figure as the asked indicator)."""
    from assistant.answer.backends.chat import ChatBackend
    from assistant.answer.backends.openai import chat_openai
    from assistant.answer.chain import Answerer

    refusal = "现有资料中没有找到所问的数据。"
    answer = ask(_reply((1, LINES[0]), (2, refusal), (3, LINES[2])))
    assert len(endpoint.requests) == 1
    model = chat_openai(luoyang, endpoint.url, None, "local", max_retries=0)
    alone = Answerer(luoyang, backend=ChatBackend("local", model, luoyang, max_passages=3))
    endpoint.reply = staticmethod(lambda messages: refusal)
    single = alone.ask(answer.parts[1]["question"])
    assert answer.parts[1]["status"] == ("declined" if single.refused else "answered"), answer.answer
    assert [p["status"] for p in answer.parts][::2] == ["answered"] * 2 and all(f.verified for f in answer.figures)
    if not single.refused:
        assert "12672件" in answer.answer.splitlines()[2] and "12672件" in single.answer


@pytest.mark.parametrize(
    "mark",
    ["（{k}）", "({k})", "{k}.", "{k}、", "第{k}部分：", "（{c}）", "【{k}】"],
)
def test_every_numbering_a_model_writes_is_cut_into_its_parts(mark: str) -> None:
    """Each way of numbering, on separate lines, on one line, and with a continuation line; a year
    or a decimal opening a line is no part number."""
    bodies = ["2023年专利12123件[1]。", "技术合同成交额145.4亿元[2]。", "有效发明专利12672件[1]。"]
    heads = [mark.format(k=k, c="一二三"[k - 1]) for k in (1, 2, 3)]
    for joiner in ("\n", "\n\n"):
        assert split_reply(joiner.join(h + b for h, b in zip(heads, bodies)), 3) == dict(enumerate(bodies, start=1))
    if mark.startswith(("（", "(")):
        assert split_reply("".join(h + b for h, b in zip(heads, bodies)), 3) == dict(enumerate(bodies, start=1))
    more = "2023年同比增长18.8%[1]。\n1.5倍于上年[1]。"
    continued = split_reply(f"{heads[0]}{bodies[0]}\n{more}\n{heads[1]}{bodies[1]}", 3)
    assert continued == {1: f"{bodies[0]}\n{more}", 2: bodies[1]}
    for k, extra in itertools.product((0, 4), ("（{k}）x", "{k}. x")):
        assert split_reply(extra.format(k=k), 3) == {}, "a part number outside the question is no part"


def test_parts_of_two_documents_make_a_call_each(corpus_settings: Settings, endpoint) -> None:  # type: ignore[no-untyped-def]
    """泰兴市's 2020 report and 瑞安市's 2023 one (knowledge/) share no passage: a call per part, as before."""
    from assistant.answer.backends.chat import ChatBackend
    from assistant.answer.backends.openai import chat_openai
    from assistant.answer.chain import Answerer

    model = chat_openai(corpus_settings, endpoint.url, None, "local", max_retries=0)
    backend = ChatBackend("local", model, corpus_settings, max_passages=corpus_settings.answer.local_passages)
    endpoint.requests.clear()
    endpoint.reply = staticmethod(lambda messages: "现有资料中没有找到所问的数据。")
    answer = Answerer(corpus_settings, backend=backend).ask(
        "泰兴市2020年新认定国家高新技术企业多少家，瑞安市2023年发明专利授权量是多少？"
    )
    assert [p["joint"] for p in answer.parts] == [False, False]
    assert len(endpoint.requests) == 2 and all("（1）" not in r["messages"][-1]["content"] for r in endpoint.requests)


def test_a_clause_the_same_sentence_answers_points_to_the_part_before(luoyang: Settings) -> None:
    """…有效发明专利多少件，比上年增长多少？ on the extractive backend: one sentence answers both clauses,
    quoted once and cited once; the bare clause points to it. The rule was written for no document:
    the 洛阳市 bulletin's paragraph is its test."""
    from assistant.answer.chain import Answerer

    answer = Answerer(luoyang, backend="extractive").ask("截至2023年底洛阳有效发明专利多少件，比上年增长多少？")
    lines = answer.answer.splitlines()
    assert [p["status"] for p in answer.parts] == ["answered", "answered"], answer.answer
    assert "12672件" in lines[1] and "18.8%" in lines[1] and lines[2].endswith("见（一）。"), answer.answer
    assert [c.n for c in answer.citations] == [1] and answer.parts[1]["citations"] == [1]
