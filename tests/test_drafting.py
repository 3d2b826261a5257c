"""Drafting: the plan leads with headline indicators, never a shortcoming or a target as a result;
drafts are cited, verified, within length, Simplified for a Simplified request; DOCX carries every
reference. Real parts: the shipped corpus indexed in real Chroma, real python-docx files."""

from __future__ import annotations

import http.server
import json
import re
import threading
from pathlib import Path

import pytest
from docx import Document

from assistant.answer.chain import Answerer
from assistant.answer.types import Passage
from assistant.answer.verify import CITATION
from assistant.draft.clauses import excluded, facts_of_sentence
from assistant.draft.compose import chosen, draft_length
from assistant.draft.model import draft_tokens, unbound_figures
from assistant.draft.writer import DraftError, write_draft
from assistant.ingest.pipeline import ingest
from assistant.language.draft_terms import load_spec
from assistant.serve import export_docx, reference_lines
from assistant.settings import Settings

TAIXING = "泰兴市2020年科技创新成效"
GOOD_TAIXING = (
    "2020年，泰兴市科技创新成效明显[1]。全年新认定国家高企86家，有效期内国家高企达227家[1]。"
    "2019年度全社会研发经费占GDP的比重达2.65%[1]。全市完成高新技术产业产值550亿元，占规上工业产值比重46.8%[1]。"
    "新认定科技型中小微企业297家，列泰州第1[1]。泰兴市高企数量和研发投入均居泰州前列，科技创新正成为引领高质量发展的强劲动力[1]。"
)


@pytest.fixture
def answerer(corpus_settings: Settings, retriever) -> Answerer:
    return Answerer(corpus_settings, retriever=retriever, backend="extractive")


def test_plan_for_a_region_and_period_leads_with_headline_indicators(answerer: Answerer) -> None:
    draft = write_draft(answerer, TAIXING)
    plan = draft.to_json()["plan"]
    lead = [item["value"] for item in plan[:5]]
    for figure in ("86家", "227家", "2.65%", "550亿元"):
        assert any(figure in value for value in lead), (figure, lead)
    assert all(item["role"] == "headline" for item in plan[:5])
    assert [i["role"] for i in plan] == sorted(
        (i["role"] for i in plan), key=("headline", "comparison", "measure", "context").index
    )
    for figure in ("86家", "227家", "2.65%", "550亿元", "46.8%", "297家"):
        assert figure in draft.answer
    # the margins the old drafter picked are not what a writer leads with
    assert "26.56%" not in draft.answer  # a growth rate from 存在的短板和不足


def test_shortcomings_and_later_targets_are_never_drafted_as_results(answerer: Answerer) -> None:
    draft = write_draft(answerer, TAIXING)
    everything = " ".join(i["text"] for i in draft.to_json()["plan"]) + draft.answer
    for target in ("50家", "260家", "150家", "26.56%", "39.73%"):  # 2021年工作思路 targets; 短板 figures
        assert target not in everything


def test_a_target_year_section_and_target_words_exclude_a_fact() -> None:
    spec = load_spec()
    plan_section = Passage(1, "c", "s.txt", "t", "泰兴市", (2020, 2021), "三、2021年工作思路 > 1.开展梯次培育", "")
    results = Passage(1, "c", "s.txt", "t", "泰兴市", (2020, 2021), "一、2020年工作情况", "")
    shortcomings = Passage(1, "c", "s.txt", "t", "泰兴市", (2020, 2021), "二、存在的短板和不足", "")
    assert excluded(spec, plan_section, "全年新增高企50家。", "全年新增高企50家", {2020})
    assert excluded(spec, results, "2021年新增高企50家。", "2021年新增高企50家", {2020})  # a later year
    assert excluded(spec, results, "力争新增高企50家。", "力争新增高企50家", {2020})
    assert excluded(spec, shortcomings, "高企总数年均增长26.56%。", "高企总数年均增长26.56%", {2020})
    assert excluded(spec, results, "全年新认定国家高企86家。", "全年新认定国家高企86家", {2020}) is None
    # an estimate for the period itself stays, worded as the estimate it is (预计 is quoted)
    assert excluded(spec, results, "2020年研发投入预计超9亿元。", "2020年研发投入预计超9亿元", {2020}) is None
    # 科技计划项目 are results, not plans
    assert excluded(spec, results, "立项科技计划项目132项。", "立项科技计划项目132项", {2020}) is None


def test_clauses_keep_their_continuations_and_drop_breakdowns() -> None:
    facts = facts_of_sentence(
        load_spec(), "全区申请专利3623件(其中发明980件、实用新型1855件),同比增长134.8%,授权专利885件。"
    )
    assert [(text, [f.text for f in figs]) for text, figs in facts] == [
        ("全区申请专利3623件，同比增长134.8%", ["3623件", "134.8%"]),
        ("授权专利885件", ["885件"]),
    ]


def test_a_traditional_source_drafted_in_simplified_keeps_verified_figures(answerer: Answerer) -> None:
    draft = write_draft(answerer, "为浙江某区写一段2013年科技投入和科技项目工作的汇报材料（简体）")
    assert not draft.refused and draft.figures
    assert not set("億項區萬經費為與") & set(draft.answer)  # Traditional characters of the source
    for figure in ("9亿元", "2.7%", "132项"):
        assert figure in draft.answer
    assert all(f.verified and f.citation for f in draft.figures)
    # the reference shows the original (Traditional) passage the figures were verified against
    assert any("億" in c.text or "項" in c.text for c in draft.citations)


def test_every_sentence_is_cited_and_the_draft_is_within_length(answerer: Answerer) -> None:
    for topic, chars in ((TAIXING, None), ("写一段泸州市2008年高新技术企业培育情况的总结", None), (TAIXING, 200)):
        draft = write_draft(answerer, topic, chars=chars)
        most = chars or 300
        assert most // 2 <= draft_length(draft.answer) <= most, draft.answer
        sentences = [s for s in re.split(r"(?<=[。])", draft.answer) if s.strip()]
        assert all(CITATION.search(s) for s in sentences), draft.answer
        assert all(f.verified and f.citation for f in draft.figures)
        assert not unbound_figures(
            draft.answer, {p.n: p.text for p in draft.passages}, [c.region for c in draft.citations]
        )


def test_styles_brief_and_comparison(answerer: Answerer) -> None:
    brief = write_draft(answerer, TAIXING, style="简报")
    lines = brief.answer.splitlines()
    assert len(lines) >= 3 and all(line.startswith("- ") for line in lines[1:])
    assert all(CITATION.search(line) for line in lines)
    compared = write_draft(answerer, "各地高新技术企业培育情况对比")
    assert compared.style == "对比"
    assert len({c.region for c in compared.citations}) >= 3  # it compares regions, not one report
    with pytest.raises(DraftError):
        write_draft(answerer, TAIXING, style="诗歌")


def test_dropping_a_fact_redrafts_without_it(answerer: Answerer) -> None:
    first = write_draft(answerer, TAIXING)
    key = next(i["key"] for i in first.to_json()["plan"] if i["value"] == "86家")
    again = write_draft(answerer, TAIXING, drop=frozenset({key}))
    assert "86家" not in again.answer and key in again.to_json()["dropped"]
    assert "227家" in again.answer


def test_a_model_draft_that_fails_the_check_falls_back_with_a_notice(
    corpus_settings: Settings, retriever, fake_llm
) -> None:
    bad = Answerer(corpus_settings, retriever=retriever, backend=fake_llm("泰兴市2020年新认定国家高企99家[1]。"))
    draft = write_draft(bad, TAIXING)
    assert draft.backend == "extractive" and "未通过核验" in draft.notice and "86家" in draft.answer
    good = Answerer(corpus_settings, retriever=retriever, backend=fake_llm(GOOD_TAIXING))
    drafted = write_draft(good, TAIXING)
    assert drafted.backend == "fake" and not drafted.notice, drafted.notice
    assert all(f.verified for f in drafted.figures)


def test_docx_export_opens_and_carries_every_reference(
    answerer: Answerer, corpus_settings: Settings, tmp_path: Path
) -> None:
    draft = write_draft(answerer, "瑞安市2023年科技创新工作总结").to_json()
    assert len(draft["citations"]) >= 2
    path = export_docx(corpus_settings, draft, heading="瑞安市2023年科技创新工作总结")
    text = "\n".join(p.text for p in Document(str(path)).paragraphs)
    for line in reference_lines(draft):
        assert line in text
    for c in draft["citations"]:
        assert f"[{c['n']}]" in text


def test_cli_draft_takes_style_and_chars(corpus_settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    from assistant.cli import main

    code = main(
        [
            "draft",
            TAIXING,
            "--backend",
            "extractive",
            "--style",
            "简报",
            "--chars",
            "200",
            "--json",
            "--index",
            str(corpus_settings.index_dir),
        ]
    )
    out = json.loads(capsys.readouterr().out)
    assert code == 0 and out["style"] == "简报" and out["chars"] == 200 and out["length"] <= 200
    assert out["plan"] and {"key", "role", "value", "why", "n"} <= set(out["plan"][0])


def test_page_pieces_escape_the_plan_and_drop_unticked_facts() -> None:
    from assistant.serve import draft_options, fact_choices, render_plan

    draft = {
        "plan": [
            {
                "key": "a#1:86家",
                "n": 1,
                "role": "headline",
                "indicator": "高新技术企业",
                "region": "泰兴市",
                "value": "86家",
                "text": "新认定<script>高企86家",
                "why": "头条指标",
            }
        ],
        "dropped": [],
    }
    assert "<script>" not in render_plan(draft) and "&lt;script&gt;" in render_plan(draft)
    assert fact_choices(draft) == [("86家｜新认定<script>高企86家", "a#1:86家")]
    assert draft_options("简报", 200, ["a#1:86家", "b"], ["b"]) == {
        "style": "简报",
        "chars": 200,
        "drop": frozenset({"a#1:86家"}),
    }
    assert draft_options("总结", None, None, None)["drop"] == frozenset()


BULLETIN = """# 2022年全国科技经费投入统计公报

国家统计局 科学技术部 财政部

2022年，全国共投入研究与试验发展（R&D）经费30782.9亿元，比上年增长10.1%。研究与试验发展（R&D）经费投入强度（与国内生产总值之比）为2.54%。服务业增加值占国内生产总值比重上升到52.8%。

附表2 2022年各地区研究与试验发展（R&D）经费情况

| 地区 | R&D经费（亿元） | R&D经费投入强度（%） |
|---|---|---|
| 全国 | 30782.9 | 2.54 |
| 北京 | 2843.3 | 6.83 |
| 陕西 | 769.6 | 2.35 |
"""


@pytest.fixture
def bulletin_answerer(settings: Settings, tmp_path: Path) -> Answerer:
    """An index of one national bulletin, written here, whose provinces are only rows of its table."""
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "nbs2022.md").write_text(BULLETIN, encoding="utf-8")
    assert not ingest(settings, [folder], progress=False).failed
    return Answerer(settings, backend="extractive")


def test_a_province_only_a_table_row_holds_is_drafted_from_the_fact_table(bulletin_answerer: Answerer) -> None:
    draft = write_draft(bulletin_answerer, "2022年陕西省研发经费投入情况")
    plan = draft.to_json()["plan"]
    assert draft.plan.regions == ["陕西省"] and not draft.refused
    assert [i["value"] for i in plan] == ["769.6亿元", "2.35%"]
    assert all(i["role"] == "headline" and "事实表" in i["why"] and i["region"] == "陕西省" for i in plan)
    assert "769.6亿元" in draft.answer and "2.35%" in draft.answer
    assert all(f.verified and f.citation for f in draft.figures)
    assert "30782.9" not in draft.answer and "6.83" not in draft.answer  # never the nation's or a neighbour's
    # a province the documents and the fact table both lack is refused, not drafted with the nation's figures
    assert write_draft(bulletin_answerer, "2022年海南省研发经费投入情况").refused


def test_a_share_of_gdp_is_not_rd_intensity_unless_rd_is_its_amount(bulletin_answerer: Answerer) -> None:
    plan = write_draft(bulletin_answerer, "2022年全国研发经费投入情况").to_json()["plan"]
    roles = {i["value"]: i["role"] for i in plan}
    assert roles["2.54%"] == "headline" and roles.get("52.8%") != "headline"
    # the 全国 row repeats the prose: the sentence is kept, the row adds nothing
    assert [i["value"] for i in plan].count("2.54%") == 1 and "事实表" not in plan[0]["why"]


class _RecordingModel(http.server.BaseHTTPRequestHandler):
    """A real OpenAI-compatible endpoint on loopback: keeps each request's JSON and streams
    ``reply`` back as chat-completion chunks, as llama.cpp's server does."""

    requests: list[dict] = []
    reply = ""

    def do_POST(self) -> None:  # noqa: N802 — http.server's name
        type(self).requests.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        chunks = [
            {"delta": {"role": "assistant", "content": self.reply}, "finish_reason": None},
            {"delta": {}, "finish_reason": "stop"},
        ]
        events = [
            {"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m", "choices": [dict(c, index=0)]}
            for c in chunks
        ]
        body = "".join(f"data: {json.dumps(e)}\n\n" for e in events) + "data: [DONE]\n\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Content-Length", str(len(body.encode())))
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args: object) -> None:
        pass


def test_a_model_gets_only_the_facts_that_fit_and_a_bounded_generation(corpus_settings: Settings, retriever) -> None:
    _RecordingModel.requests, _RecordingModel.reply = [], GOOD_TAIXING
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _RecordingModel)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings = corpus_settings.model_copy(
            update={"openai_base_url": f"http://127.0.0.1:{server.server_port}/v1", "openai_api_key": "sk-x"}
        )
        answerer = Answerer(settings, retriever=retriever, backend="openai")
        drafted = write_draft(answerer, TAIXING)
        write_draft(answerer, TAIXING, style="简报", chars=120)  # the second request: a short briefing
    finally:
        server.shutdown()
    assert drafted.backend == "openai" and not drafted.notice, drafted.notice
    first, second = _RecordingModel.requests
    limit = draft_tokens(300, settings.answer.draft_max_tokens)
    assert first["max_completion_tokens"] == limit < settings.answer.draft_max_tokens
    assert second["max_completion_tokens"] == draft_tokens(120, settings.answer.draft_max_tokens) < limit
    prompt = first["messages"][1]["content"]
    fitted = chosen(drafted.plan, "总结", 300)
    assert all(item.text in prompt for item in fitted)
    assert not any(item.text in prompt for item in drafted.plan.items if item not in fitted)
    assert "26.56%" not in prompt and len(prompt) < 1200  # the facts, not the passages' whole text
    # the rules are one constant system prompt: the model server reuses their evaluated prefix
    assert first["messages"][0]["content"] == second["messages"][0]["content"]


class _ReadyServer:
    """Stands in for the model server's supervisor (process management is not what is tested):
    ready at the recording endpoint's address."""

    def __init__(self, base_url: str) -> None:
        self.base_url, self.pid = base_url, 0

    def start(self) -> _ReadyServer:
        return self

    def wait_ready(self, timeout: float) -> _ReadyServer:
        return self

    def death_of(self, pid: int) -> str:
        return ""


def test_the_local_server_is_sent_the_token_limit_it_reads(corpus_settings: Settings) -> None:
    """llama-cpp-python's server reads max_tokens and ignores max_completion_tokens, which is all
    ChatOpenAI sends: without max_tokens a draft's generation was unbounded."""
    from assistant.answer.backends.local_chat import LocalServerChat

    _RecordingModel.requests, _RecordingModel.reply = [], "好[1]。"
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _RecordingModel)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        chat = LocalServerChat.model_construct(
            server=_ReadyServer(f"http://127.0.0.1:{server.server_port}/v1"),
            settings=corpus_settings,
            gguf="m.gguf",
            max_tokens=200,
            temperature=0.0,
        )
        chat.invoke("问")
        chat.bind(max_tokens=draft_tokens(300, 450)).invoke("问")
    finally:
        server.shutdown()
    assert [r["max_tokens"] for r in _RecordingModel.requests] == [200, draft_tokens(300, 450)]


def test_a_policy_area_is_drafted_from_the_policys_provisions(answerer: Answerer) -> None:
    draft = write_draft(answerer, "浙江省专利条例的主要规定")
    plan = draft.to_json()["plan"]
    assert plan and all(i["role"] == "provision" and "浙江省专利条例" in i["why"] for i in plan)
    assert {c.source for c in draft.citations} == {plan[0]["source"]}  # one policy, no report's results
    assert draft.answer.startswith("《浙江省专利条例》") and "取得积极进展" not in draft.answer
    assert not re.search(r"浙江省(?:19|20)\d\d年", draft.answer)  # a clause of a law is no result of a year
    assert all(f.verified and f.citation for f in draft.figures)


def test_a_model_writing_the_frame_keeps_the_cited_facts_and_states_no_figure(
    corpus_settings: Settings, retriever, fake_llm
) -> None:
    """The local model's draft (``draft_writer`` auto → frame): its opening and closing sentences
    around the extractive draft's cited facts; a frame stating a figure is not taken."""
    settings = corpus_settings.model_copy(
        update={"answer": corpus_settings.answer.model_copy(update={"draft_writer": "frame"})}
    )
    frame = "开头：2020年，泰兴市科技创新工作成效显著。\n结尾：科技创新正成为泰兴市高质量发展的强劲动力。"
    drafted = write_draft(Answerer(settings, retriever=retriever, backend=fake_llm(frame)), TAIXING)
    assert drafted.backend == "fake" and not drafted.notice, drafted.notice
    assert drafted.answer.startswith("2020年，泰兴市科技创新工作成效显著[1]。")
    assert re.search(r"科技创新正成为泰兴市高质量发展的强劲动力(?:\[\d+\])+。$", drafted.answer), drafted.answer
    assert "86家" in drafted.answer and all(f.verified and f.citation for f in drafted.figures)
    bad = write_draft(
        Answerer(settings, retriever=retriever, backend=fake_llm("2020年泰兴市新认定高企99家。\n成效显著。")),
        TAIXING,
    )
    assert bad.backend == "extractive" and "未通过核验" in bad.notice and "99家" not in bad.answer
    boast = "2020年，泰兴市科技创新工作成效显著。\n高企数量创历史新高。"  # a claim no source made
    bold = write_draft(Answerer(settings, retriever=retriever, backend=fake_llm(boast)), TAIXING)
    assert bold.backend == "extractive" and "历史" not in bold.answer
