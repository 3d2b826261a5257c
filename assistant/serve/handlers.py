"""The page's event handlers, as methods tests call without a browser.

:mod:`assistant.serve.layout` lays out the components and :mod:`assistant.serve.events` wires each
event to a method here; a handler takes the components' values and returns (or yields) the new
values in the order of the tuple that names its outputs (``CHAT_OUTPUTS``, ``KNOWLEDGE_OUTPUTS``,
…), ``gr.skip()`` where one stays as it is.
Errors a user can cause become ``gr.Error`` with their message; anything else shows its type.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from assistant import api, serve
from assistant.errors import AssistantError

# The outputs of each handler, in the order it returns them; events.py wires components by these names.
KNOWLEDGE_OUTPUTS = ("region", "year", "document", "docs_table", "remove_choice", "doc_count")
CHAT_OUTPUTS = ("question", "chatbot", "display", "sources", "status", "turns", "export_md", "answer_md", "answer_plot")
CLEAR_OUTPUTS = ("chatbot", "turns", "display", "sources", "status", "export_md", "answer_md", "answer_plot")
DRAFT_OUTPUTS = ("draft_out", "draft_status", "draft_md", "draft_docx", "draft_plan", "draft_keep", "draft_planned")
EVAL_OUTPUTS = ("eval_summary", "eval_metrics", "eval_plot", "eval_failures", "eval_export")
FACT_FILTERS = ("fact_indicator", "fact_region", "fact_year")
FACT_OUTPUTS = ("fact_summary", "fact_line", "fact_bar", "fact_table", "fact_csv", "fact_xlsx")


def error(exc: Exception) -> gr.Error:
    """An exception as the page shows it: a user's error verbatim, anything else with its type."""
    return gr.Error(str(exc) if isinstance(exc, AssistantError) else f"出错了：{type(exc).__name__}: {exc}")


def answer_chart(answer: dict[str, Any]) -> Any:
    """The chart under an answer that holds a series or a comparison (hidden otherwise)."""
    points = answer.get("series") or []
    if len(points) < 2:
        return gr.update(visible=False)
    from assistant.serve.indicators import plot_frame

    return gr.update(value=plot_frame(points), visible=True)


def _outputs(names: tuple[str, ...], **values: Any) -> tuple[Any, ...]:
    """``values`` in the order of ``names``; the outputs not given stay as they are."""
    return tuple(values[name] if name in values else gr.skip() for name in names)


class Handlers:
    """Every handler of the page, over the services built once (answerer, retriever)."""

    def __init__(self, services: serve.Services) -> None:
        self.services = services
        self.settings = services.settings

    # -- start-up and knowledge base --------------------------------------------------------
    def on_load(self) -> tuple[Any, ...]:
        """The backend banner and the knowledge base's lists (banner first)."""
        try:
            answerer = self.services.get()
        except AssistantError as exc:
            banner = f'<div class="notice banner" role="alert">⚠️ {serve.escape(str(exc))}</div>'
            return (banner,) + (gr.skip(),) * len(KNOWLEDGE_OUTPUTS)
        return (serve.backend_banner(answerer.backend, self.services.notice),) + self.knowledge(changed=False)

    def knowledge(self, changed: bool) -> tuple[Any, ...]:
        """The filters, documents table, removal choices and counts (``KNOWLEDGE_OUTPUTS``);
        ``changed``: the index was just written, so it is reread first."""
        retriever = self.services.reload_index() if changed else self.services.retriever
        documents = retriever.documents()
        choices = serve.filter_choices(documents, retriever.regions())
        return (
            gr.update(choices=[("全部地区", "")] + choices["regions"]),
            gr.update(choices=[("全部年份", "")] + [(str(y), str(y)) for y in choices["years"]]),
            gr.update(choices=[("全部文档", "")] + choices["documents"]),
            serve.document_rows(documents),
            gr.update(choices=choices["documents"], value=None),
            f"共 {len(documents)} 个文档，{sum(int(d.get('chunks', 0) or 0) for d in documents)} 个段落。",
        )

    def upload(self, files: list[str] | None, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
        """Store and index uploaded files: (report, cleared file input) + ``KNOWLEDGE_OUTPUTS``."""
        try:
            stored = serve.store_uploads(self.settings, [(Path(f), Path(f).name) for f in files or []])
        except AssistantError as exc:  # said in the report area; the table and filters keep what they show
            return (serve.refusal_note(str(exc)), gr.skip()) + (gr.skip(),) * len(KNOWLEDGE_OUTPUTS)
        progress(0, desc="开始索引…")
        outcome = serve.ingest_files(
            self.settings, stored, on_file=lambda i, n, name: progress((i, n), desc=f"索引 {name}", unit="文件")
        )
        progress(1.0, desc="完成")
        for name, _reason in outcome.report.failed:  # keep no file the index cannot read
            serve.remove_upload_file(self.settings, name)
        return (serve.ingest_summary(outcome), None) + self.knowledge(changed=True)

    def remove_document(self, source: str | None) -> tuple[Any, ...]:
        """Delete a document from the index (and its upload): (report,) + ``KNOWLEDGE_OUTPUTS``."""
        if not source:
            raise gr.Error("请先在列表中选择要删除的文档")
        removed = api.remove(self.settings, source)
        if removed is None:
            raise gr.Error(f"{source} 不在索引中")
        serve.remove_upload_file(self.settings, source)
        report = f"<div class='ingest-report'>已删除 {serve.escape(source)}（{removed} 个段落）。</div>"
        return (report,) + self.knowledge(changed=True)

    def reindex(self, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
        """Index the knowledge folder and the uploads again: (report,) + ``KNOWLEDGE_OUTPUTS``."""
        progress(0, desc="正在重新索引知识库与上传的文档…")
        outcome = serve.reindex(self.settings, [self.settings.knowledge_dir, self.settings.uploads_dir])
        return (serve.ingest_summary(outcome),) + self.knowledge(changed=True)

    def model_state(self) -> str:
        """The local model's state line (loading, ready, failed), refreshed by a timer."""
        return serve.model_state_html(self.settings)

    @staticmethod
    def pick_document(evt: gr.SelectData) -> Any:
        """A row clicked in the documents table becomes the one to remove."""
        row = getattr(evt, "row_value", None)
        return gr.update(value=row[0]) if row else gr.skip()

    # -- answers ------------------------------------------------------------------------------
    def chat(
        self,
        message: str,
        prior: list[dict[str, str]],
        shown: list[dict[str, str]],
        region: str,
        year: str,
        document: str,
    ) -> Iterator[tuple[Any, ...]]:
        """Stream an answer into the chat (``CHAT_OUTPUTS``): ``prior`` is the plain transcript the
        chain reads, ``shown`` the escaped one the chat displays."""
        message = (message or "").strip()
        if not message:
            raise gr.Error("请输入问题")
        answerer = self._answerer()
        turn = len(prior) // 2 + 1
        shown = shown + [
            {"role": "user", "content": serve.escape_chat(message)},
            {"role": "assistant", "content": serve.render_streaming("")},
        ]
        yield _outputs(
            CHAT_OUTPUTS,
            question="",
            chatbot=shown,
            display=shown,
            status="<div class='answer-status'>正在检索与生成…</div>",
        )
        try:
            for text, answer in serve.stream_answer(
                answerer, message, serve.plain_history(prior), api.filters(region, year, document)
            ):
                if answer is None:
                    shown[-1] = {"role": "assistant", "content": serve.render_streaming(text)}
                    yield _outputs(CHAT_OUTPUTS, chatbot=shown)
        except Exception as exc:
            shown[-1] = {"role": "assistant", "content": serve.escape_chat(f"出错了：{exc}")}
            yield _outputs(CHAT_OUTPUTS, chatbot=shown, display=shown, status="")
            raise error(exc) from exc
        shown[-1] = {"role": "assistant", "content": serve.render_answer_text(answer["answer"], turn)}
        export = serve.export_markdown(self.settings, answer, stem="answer")
        yield _outputs(
            CHAT_OUTPUTS,
            chatbot=shown,
            display=shown,
            sources=serve.render_sources(answer, turn),
            status=serve.answer_status(answer),
            turns=prior + [{"role": "user", "content": message}, {"role": "assistant", "content": answer["answer"]}],
            export_md=gr.update(value=str(export), interactive=True),
            answer_md=serve.answer_markdown(answer),
            answer_plot=answer_chart(answer),
        )

    @staticmethod
    def clear_chat() -> tuple[Any, ...]:
        """An empty chat (``CLEAR_OUTPUTS``)."""
        return (
            [],
            [],
            [],
            serve.render_sources(None),
            "",
            gr.update(value=None, interactive=False),
            "",
            gr.update(visible=False),
        )

    def ask_api(self, question: str) -> dict[str, Any]:
        """Answer one question; the JSON of `python -m assistant ask --json`."""
        question = (question or "").strip()
        if not question:
            raise gr.Error("empty question")
        answerer = self._answerer()
        try:
            return answerer.ask(question).to_json()
        except AssistantError as exc:
            raise error(exc) from exc

    def draft(
        self,
        topic: str,
        style: str,
        chars: float | None,
        planned: list[str] | None = None,
        kept: list[str] | None = None,
    ) -> Iterator[tuple[Any, ...]]:
        """Write (or, with ``kept``, redraft without the unticked facts) a paragraph, then its exports
        and the plan beside it (``DRAFT_OUTPUTS``)."""
        topic = (topic or "").strip()
        if not topic:
            raise gr.Error("请输入写作主题")
        answerer = self._answerer()
        try:
            options = serve.draft_options(style, chars, planned, kept)
            for text, answer in serve.stream_answer(answerer, topic, draft=options):
                if answer is None:
                    yield _outputs(DRAFT_OUTPUTS, draft_out=serve.escape(text) + " ▌")
        except Exception as exc:
            raise error(exc) from exc
        md = serve.export_markdown(self.settings, answer, stem="draft", heading=topic)
        docx = serve.export_docx(self.settings, answer, stem="draft", heading=topic)
        choices = serve.fact_choices(answer)
        yield (
            serve.render_draft(answer),
            serve.answer_status(answer),
            gr.update(value=str(md), interactive=True),
            gr.update(value=str(docx), interactive=True),
            serve.render_plan(answer),
            gr.update(choices=choices, value=[key for _, key in choices]),
            [key for _, key in choices] + list(answer.get("dropped") or []),
        )

    def _answerer(self) -> Any:
        try:
            return self.services.get()
        except AssistantError as exc:
            raise error(exc) from exc

    # -- indicators (the fact table) -----------------------------------------------------------
    def fact_choices(self) -> tuple[Any, ...]:
        """The indicators, regions and years the fact table holds (``FACT_FILTERS``)."""
        held = self.services.get().fact_answers().store.held()
        return tuple(
            gr.update(choices=[(everything, "")] + [(c, c) for c in held[key]])
            for everything, key in (("全部指标", "indicators"), ("全部地区", "regions"), ("全部年份", "years"))
        )

    def show_facts(self, indicator: str, region: str, year: str) -> tuple[Any, ...]:
        """The facts matching the filters as a summary, a chart, a table and exports (``FACT_OUTPUTS``)."""
        from assistant.serve import indicators

        facts = indicators.select(self.services.get().fact_answers().store, indicator, region, year)
        points = indicators.fact_points(facts)
        frame, series = indicators.plot_frame(points), indicators.is_series(points)
        files = [
            gr.update(value=str(indicators.export(self.settings, facts, fmt)), interactive=True)
            if facts
            else gr.update(value=None, interactive=False)
            for fmt in ("csv", "xlsx")
        ]
        return (
            f"共 {len(facts)} 条指标数据。" if facts else "没有符合条件的指标数据。",
            gr.update(value=frame, visible=bool(points) and series),
            gr.update(value=frame, visible=bool(points) and not series),
            indicators.table_rows(facts),
            *files,
        )

    # -- evaluation ---------------------------------------------------------------------------
    def run_evaluation(
        self, backend: str, limit: float | None, progress: gr.Progress = gr.Progress()
    ) -> tuple[Any, ...]:
        """Run a backend on the gold set (``EVAL_OUTPUTS``), the report kept for download."""
        progress(0, desc="准备评测…")
        try:
            report = api.evaluate(
                self.settings,
                backend,
                int(limit) if limit else None,
                on_item=lambda n, total: progress((n, total), desc="评测中", unit="题"),
            )
        except AssistantError as exc:
            raise error(exc) from exc
        metrics, kinds, failures = serve.eval_tables(report)
        path = serve.exports_dir(self.settings) / f"eval-{backend}.md"
        path.write_text(api.evaluation_markdown(report), encoding="utf-8")
        return (serve.eval_summary(report), metrics, kinds, failures, gr.update(value=str(path), interactive=True))
