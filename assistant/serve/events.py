"""The page's events: each wired to a method of :class:`~assistant.serve.handlers.Handlers`, with
its queue (answers share a few generation slots; loading and the knowledge base never wait behind
them) and its API name: ``/ask`` is the one event the API offers, every other is ``api_name=False``.
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from assistant import serve
from assistant.serve.handlers import (
    CHAT_OUTPUTS,
    CLEAR_OUTPUTS,
    DRAFT_OUTPUTS,
    EVAL_OUTPUTS,
    FACT_FILTERS,
    FACT_OUTPUTS,
    KNOWLEDGE_OUTPUTS,
    Handlers,
)
from assistant.serve.layout import Components


def wire(c: Components, h: Handlers, concurrent_answers: int) -> None:
    """Every event of the page laid out in ``c``, each to its handler of ``h``."""

    def out(*names: str) -> list[Any]:
        return [c[n] for n in names]

    knowledge = out(*KNOWLEDGE_OUTPUTS)
    # Generation is slow (seconds with the local model), so chat, draft and /ask share a few slots
    # and wait in the queue; loading, clearing and the knowledge base never wait behind them.
    answering = {"concurrency_limit": concurrent_answers, "concurrency_id": "answer"}
    indexing = {"api_name": False, "concurrency_limit": 1, "concurrency_id": "index"}
    c["page"].load(h.on_load, None, [c["banner"]] + knowledge, api_name=False, concurrency_limit=None)
    gr.Timer(serve.REFRESH_S).tick(
        h.model_state, None, c["model_state"], api_name=False, queue=False, show_progress="hidden"
    )
    chat_inputs = out("question", "turns", "display", "region", "year", "document")
    for trigger in (c["send"].click, c["question"].submit):
        trigger(h.chat, chat_inputs, out(*CHAT_OUTPUTS), api_name=False, **answering)
    for trigger in (c["clear"].click, c["chatbot"].clear):  # the button, or the chat's own trash icon
        trigger(h.clear_chat, None, out(*CLEAR_OUTPUTS), api_name=False, queue=False)
    c["copy_md"].click(
        None, c["answer_md"], None, js="(text) => { if (text) { navigator.clipboard.writeText(text); } }"
    )
    c["api_button"].click(h.ask_api, c["api_question"], c["api_answer"], api_name="ask", **answering)
    draft_inputs = out("topic", "draft_style", "draft_chars")
    for trigger in (c["write"].click, c["topic"].submit):
        trigger(h.draft, draft_inputs, out(*DRAFT_OUTPUTS), api_name=False, **answering)
    c["redraft"].click(
        h.draft, draft_inputs + out("draft_planned", "draft_keep"), out(*DRAFT_OUTPUTS), api_name=False, **answering
    )
    c["add"].click(h.upload, c["files"], out("ingest_report", "files") + knowledge, **indexing)
    c["remove"].click(h.remove_document, c["remove_choice"], [c["ingest_report"]] + knowledge, **indexing)
    c["reindex"].click(h.reindex, None, [c["ingest_report"]] + knowledge, **indexing)
    c["docs_table"].select(h.pick_document, None, c["remove_choice"], api_name=False, queue=False)
    c["facts_tab"].select(h.fact_choices, None, out(*FACT_FILTERS), api_name=False)
    c["fact_button"].click(h.show_facts, out(*FACT_FILTERS), out(*FACT_OUTPUTS), api_name=False)
    c["eval_button"].click(
        h.run_evaluation,
        out("eval_backend", "eval_limit"),
        out(*EVAL_OUTPUTS),
        api_name=False,
        concurrency_limit=1,
        concurrency_id="eval",
    )
