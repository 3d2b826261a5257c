"""The page's handlers called as plain methods — no browser, no server: the real Answerer over
the shipped corpus (extractive backend), the outputs checked by the names the page wires."""

from __future__ import annotations

from typing import Any

import gradio as gr
import pytest

from assistant import serve
from assistant.serve.handlers import CHAT_OUTPUTS, CLEAR_OUTPUTS, DRAFT_OUTPUTS, KNOWLEDGE_OUTPUTS, Handlers
from assistant.settings import Settings


@pytest.fixture(scope="module")
def handlers(corpus_settings: Settings) -> Handlers:
    return Handlers(serve.Services(corpus_settings, backend="extractive"))


def named(names: tuple[str, ...], values: tuple[Any, ...]) -> dict[str, Any]:
    assert len(values) == len(names)
    return dict(zip(names, values))


def skipped(value: Any) -> bool:
    return value == gr.skip()


def test_chat_streams_then_shows_the_verified_answer_with_sources(handlers: Handlers) -> None:
    steps = [named(CHAT_OUTPUTS, s) for s in handlers.chat("泰兴市2020年新认定国家高企多少家？", [], [], "", "", "")]
    first, last = steps[0], steps[-1]
    assert first["question"] == "" and "正在检索" in first["status"] and skipped(first["sources"])
    assert skipped(last["question"])
    assert "86家" in last["chatbot"][-1]["content"] and 'class="cite"' in last["chatbot"][-1]["content"]
    assert 'class="source"' in last["sources"] and "<mark>86家</mark>" in last["sources"]
    assert last["turns"][0] == {"role": "user", "content": "泰兴市2020年新认定国家高企多少家？"}
    assert "86家" in last["turns"][1]["content"] and "extractive" in last["status"]


def test_chat_filters_and_history_reach_the_chain(handlers: Handlers) -> None:
    prior = [
        {"role": "user", "content": "泰兴市2020年新认定了多少家国家高企？"},
        {"role": "assistant", "content": "86家[1]。"},
    ]
    last = named(CHAT_OUTPUTS, list(handlers.chat("那高新技术产业产值呢？", prior, [], "泰兴市", "2020", ""))[-1])
    assert "理解为" in last["status"] and "86家" not in last["chatbot"][-1]["content"]


def test_empty_input_is_a_page_error(handlers: Handlers) -> None:
    with pytest.raises(gr.Error):
        list(handlers.chat("  ", [], [], "", "", ""))
    with pytest.raises(gr.Error):
        list(handlers.draft("", "总结", 300))
    with pytest.raises(gr.Error):
        handlers.remove_document(None)


def test_draft_and_api_and_clear(handlers: Handlers) -> None:
    last = named(DRAFT_OUTPUTS, list(handlers.draft("泰兴市2020年高新技术企业培育成效", "总结", 300))[-1])
    assert "参考资料" in last["draft_out"] and last["draft_md"]["interactive"]
    assert last["draft_planned"] and last["draft_keep"]["value"] == [key for _, key in last["draft_keep"]["choices"]]
    out = handlers.ask_api("泰兴市2020年新认定国家高企多少家？")
    assert out["backend"] == "extractive" and "86家" in out["answer"]
    cleared = named(CLEAR_OUTPUTS, handlers.clear_chat())
    assert cleared["chatbot"] == [] and cleared["turns"] == [] and "提问后" in cleared["sources"]


def test_load_shows_the_backend_and_the_knowledge_base(handlers: Handlers) -> None:
    banner, *knowledge = handlers.on_load()
    assert "extractive" in banner
    lists = named(KNOWLEDGE_OUTPUTS, tuple(knowledge))
    assert len(lists["docs_table"]) == 10 and lists["doc_count"].startswith("共 10 个文档")
    assert ("全部地区", "") in lists["region"]["choices"]
