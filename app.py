"""The Gradio page: chat with cited, verified figures · drafting · knowledge base · evaluation.

    python app.py        # http://127.0.0.1:7860 (GRADIO_SERVER_NAME / GRADIO_SERVER_PORT override)

The answer backend comes from settings (ASSISTANT_ANSWER__BACKEND, or the alias ASSISTANT_BACKEND);
when it cannot be built the page answers extractively and says so in a banner. ASSISTANT_AUTH=
"user:password" turns on basic auth. ``/ask`` is the API: ``Client(url).predict(q, api_name="/ask")``
returns exactly what ``python -m assistant ask --json`` prints.

This module only lays out components and wires events; everything else (services, streaming,
escaping, exports, uploads) lives in :mod:`assistant.serve`. The page is served first and the
index opened right after, so it paints while the Answerer is built; handlers wait for it.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import sys
from pathlib import Path
from typing import Any


class _SkipGradioStubs(importlib.abc.MetaPathFinder):
    """Gradio regenerates its components' ``.pyi`` typing stubs on every import (it parses ~80
    source files with ``ast``): about 2 s of a 2-core machine's start-up, for files only an IDE
    reads. This import hook turns that one function into a no-op, so the page paints sooner.
    ``ASSISTANT_GRADIO_STUBS=1`` keeps Gradio's behaviour."""

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name != "gradio.component_meta":
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None and hasattr(spec.loader, "exec_module"):
            run = spec.loader.exec_module

            def exec_module(module: Any) -> None:
                run(module)
                if callable(getattr(module, "create_or_modify_pyi", None)):
                    module.create_or_modify_pyi = lambda *args, **kwargs: None

            spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


if "gradio" not in sys.modules and not os.environ.get("ASSISTANT_GRADIO_STUBS"):
    sys.meta_path.insert(0, _SkipGradioStubs())

import gradio as gr  # noqa: E402

from assistant import serve  # noqa: E402
from assistant.errors import AssistantError  # noqa: E402
from assistant.facts.table import SHOWN_HEADERS  # noqa: E402
from assistant.settings import Settings, get_settings  # noqa: E402

TITLE = "科技创新政策助手"
CSS = """
#app-title h1 { margin: 0.2em 0 0; font-size: 1.7em; }
#app-title p { margin: 0.2em 0 0.4em; color: var(--body-text-color-subdued); }
.notice { color: #8a5300; background: #fff4e0; border: 1px solid #f0c36d; border-radius: 6px; padding: 6px 10px; margin-top: 6px; }
.unverified { color: #c62828 !important; font-weight: 600; }
.model-state { font-size: 0.9em; color: var(--body-text-color-subdued); }
.model-state.failed { color: #8a5300; }
.answer-status { font-size: 0.9em; color: var(--body-text-color-subdued); }
.answer-status .understood { margin-top: 2px; }
.sources { max-height: 620px; overflow-y: auto; }
.sources.empty { color: var(--body-text-color-subdued); padding: 8px; }
.sources-title { font-weight: 600; margin: 4px 0 8px; }
.source { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 10px; margin-bottom: 10px; }
.source:target { border-color: var(--color-accent); box-shadow: 0 0 0 2px var(--color-accent-soft); }
.source-head { font-weight: 600; }
.source-meta, .source-file { font-size: 0.85em; color: var(--body-text-color-subdued); }
.source-text { margin-top: 6px; white-space: pre-wrap; line-height: 1.6; }
.source-text mark { background: #ffe066; padding: 0 2px; border-radius: 3px; }
.ocr-label { border: 1px solid #8a5300; color: #8a5300; border-radius: 4px; padding: 0 4px; font-size: 0.9em; }
a.cite { text-decoration: none; font-weight: 600; }
.draft-text { line-height: 1.8; }
.ingest-report .failed { color: #c62828; }
"""


def _error(exc: Exception) -> gr.Error:
    return gr.Error(str(exc) if isinstance(exc, AssistantError) else f"出错了：{type(exc).__name__}: {exc}")


def _filters(region: str | None, year: str | None, document: str | None) -> Any:
    from assistant.retrieve import Filters

    return Filters(region=region or None, year=int(year) if year else None, document=document or None)


def _answer_chart(answer: dict[str, Any]) -> Any:
    """The chart under an answer that holds a series or a comparison (hidden otherwise)."""
    points = answer.get("series") or []
    if len(points) < 2:
        return gr.update(visible=False)
    from assistant.serve.indicators import plot_frame

    return gr.update(value=plot_frame(points), visible=True)


def build_app(services: serve.Services) -> gr.Blocks:
    settings: Settings = services.settings

    # -- handlers ----------------------------------------------------------------------------
    def on_load() -> tuple[Any, ...]:
        try:
            answerer = services.get()
        except AssistantError as exc:
            banner = f'<div class="notice banner" role="alert">⚠️ {serve.escape(str(exc))}</div>'
            return (banner,) + (gr.skip(),) * 6
        return (serve.backend_banner(answerer.backend, services.notice),) + _knowledge_updates()

    def _knowledge_updates(changed: bool = False) -> tuple[Any, ...]:
        retriever = services.reload_index() if changed else services.retriever
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

    def chat(message: str, prior: list[dict[str, str]], shown: list[dict[str, str]],
             region_value: str, year_value: str, document_value: str):
        message = (message or "").strip()
        if not message:
            raise gr.Error("请输入问题")
        try:
            answerer = services.get()
        except AssistantError as exc:
            raise _error(exc) from exc
        turn = len(prior) // 2 + 1
        shown = shown + [{"role": "user", "content": serve.escape_chat(message)},
                         {"role": "assistant", "content": serve.render_streaming("")}]
        yield {question: "", chatbot: shown, display: shown, status: "<div class='answer-status'>正在检索与生成…</div>"}
        filters = _filters(region_value, year_value, document_value)
        try:
            for text, answer in serve.stream_answer(answerer, message, serve.plain_history(prior), filters):
                if answer is None:
                    shown[-1] = {"role": "assistant", "content": serve.render_streaming(text)}
                    yield {chatbot: shown}
        except Exception as exc:
            shown[-1] = {"role": "assistant", "content": serve.escape_chat(f"出错了：{exc}")}
            yield {chatbot: shown, display: shown, status: ""}
            raise _error(exc) from exc
        shown[-1] = {"role": "assistant", "content": serve.render_answer_text(answer["answer"], turn)}
        export = serve.export_markdown(settings, answer, stem="answer")
        yield {
            chatbot: shown, display: shown, sources: serve.render_sources(answer, turn), status: serve.answer_status(answer),
            turns: prior + [{"role": "user", "content": message}, {"role": "assistant", "content": answer["answer"]}],
            export_md: gr.update(value=str(export), interactive=True), answer_md: serve.answer_markdown(answer),
            answer_plot: _answer_chart(answer),
        }

    def clear_chat() -> tuple[Any, ...]:
        return [], [], [], serve.render_sources(None), "", gr.update(value=None, interactive=False), "", gr.update(visible=False)

    def fact_choices() -> tuple[Any, ...]:
        held = services.get().fact_answers().store.held()
        return tuple(gr.update(choices=[(everything, "")] + [(c, c) for c in held[key]])
                     for everything, key in (("全部指标", "indicators"), ("全部地区", "regions"), ("全部年份", "years")))

    def show_facts(indicator: str, region_value: str, year_value: str) -> tuple[Any, ...]:
        from assistant.serve import indicators

        facts = indicators.select(services.get().fact_answers().store, indicator, region_value, year_value)
        points = indicators.fact_points(facts)
        frame, series = indicators.plot_frame(points), indicators.is_series(points)
        files = [gr.update(value=str(indicators.export(settings, facts, fmt)), interactive=True) if facts
                 else gr.update(value=None, interactive=False) for fmt in ("csv", "xlsx")]
        return (f"共 {len(facts)} 条指标数据。" if facts else "没有符合条件的指标数据。",
                gr.update(value=frame, visible=bool(points) and series),
                gr.update(value=frame, visible=bool(points) and not series),
                indicators.table_rows(facts), *files)

    def ask_api(question: str) -> dict[str, Any]:
        """Answer one question; the JSON of `python -m assistant ask --json`."""
        question = (question or "").strip()
        if not question:
            raise gr.Error("empty question")
        try:
            return services.get().ask(question).to_json()
        except AssistantError as exc:
            raise _error(exc) from exc

    def draft(topic: str):
        topic = (topic or "").strip()
        if not topic:
            raise gr.Error("请输入写作主题")
        try:
            answerer = services.get()
            for text, answer in serve.stream_answer(answerer, topic, draft=True):
                if answer is None:
                    yield serve.escape(text) + " ▌", gr.skip(), gr.skip(), gr.skip()
        except Exception as exc:
            raise _error(exc) from exc
        md = serve.export_markdown(settings, answer, stem="draft", heading=topic)
        docx = serve.export_docx(settings, answer, stem="draft", heading=topic)
        yield (serve.render_draft(answer), serve.answer_status(answer),
               gr.update(value=str(md), interactive=True), gr.update(value=str(docx), interactive=True))

    def upload(files: list[str] | None, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
        try:
            stored = serve.store_uploads(settings, [(Path(f), Path(f).name) for f in files or []])
        except AssistantError as exc:  # said in the report area; the table and filters keep what they show
            return (serve.refusal_note(str(exc)), gr.skip()) + (gr.skip(),) * 6
        progress(0, desc="开始索引…")
        outcome = serve.ingest_files(settings, stored, on_file=lambda i, n, name: progress((i, n), desc=f"索引 {name}", unit="文件"))
        progress(1.0, desc="完成")
        for name, _reason in outcome.report.failed:  # keep no file the index cannot read
            serve.remove_upload_file(settings, name)
        return (serve.ingest_summary(outcome), None) + _knowledge_updates(changed=True)

    def remove_document(source: str | None) -> tuple[Any, ...]:
        from assistant.ingest.pipeline import remove

        if not source:
            raise gr.Error("请先在列表中选择要删除的文档")
        removed = remove(settings, source)
        if removed is None:
            raise gr.Error(f"{source} 不在索引中")
        serve.remove_upload_file(settings, source)
        return (f"<div class='ingest-report'>已删除 {serve.escape(source)}（{removed} 个段落）。</div>",) + _knowledge_updates(changed=True)

    def reindex(progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
        progress(0, desc="正在重新索引知识库与上传的文档…")
        outcome = serve.reindex(settings, [settings.knowledge_dir, serve.uploads_dir(settings)])
        return (serve.ingest_summary(outcome),) + _knowledge_updates(changed=True)

    def pick_document(evt: gr.SelectData) -> Any:
        row = getattr(evt, "row_value", None)
        return gr.update(value=row[0]) if row else gr.skip()

    def run_evaluation(backend: str, limit: float | None, progress: gr.Progress = gr.Progress()) -> tuple[Any, ...]:
        from assistant.evaluate.report import to_markdown
        from assistant.evaluate.run import DEFAULT_GOLD, DEFAULT_THRESHOLDS, load_thresholds, run_eval

        progress(0, desc="准备评测…")
        try:
            report = run_eval(settings, backend, DEFAULT_GOLD, load_thresholds(DEFAULT_THRESHOLDS, backend),
                              int(limit) if limit else None, progress=False,
                              on_item=lambda n, total: progress((n, total), desc="评测中", unit="题"))
        except AssistantError as exc:
            raise _error(exc) from exc
        metrics, kinds, failures = serve.eval_tables(report)
        path = serve.exports_dir(settings) / f"eval-{backend}.md"
        path.write_text(to_markdown(report), encoding="utf-8")
        return (serve.eval_summary(report), metrics, kinds, failures, gr.update(value=str(path), interactive=True))

    # -- layout ------------------------------------------------------------------------------
    with gr.Blocks(title=TITLE, analytics_enabled=False) as page:
        gr.HTML(f"<h1>{TITLE}</h1><p>基于科技局工作报告与科技政策原文回答问题：每个数字都标注出处并与原文核对。</p>",
                elem_id="app-title", js_on_load=None)
        banner = gr.HTML('<div class="backend-line">正在打开索引…</div>', elem_id="banner", js_on_load=None)
        model_state = gr.HTML("", elem_id="model-state", js_on_load=None)  # the local model loads meanwhile
        turns = gr.State([])
        display = gr.State([])
        with gr.Tabs():
            with gr.Tab("问答", id="chat", elem_id="tab-chat"):
                with gr.Row():
                    with gr.Column(scale=3):
                        # no per-message copy button: it would copy the escaped HTML; "复制回答" copies Markdown
                        chatbot = gr.Chatbot(label="对话", height=460, elem_id="chatbot", latex_delimiters=[],
                                             feedback_options=None, buttons=[], placeholder="请提出关于科技统计与政策的问题")
                        with gr.Row():
                            question = gr.Textbox(show_label=False, placeholder="例如：泰兴市2020年新认定国家高企多少家？",
                                                  scale=5, elem_id="question", max_lines=4)
                            send = gr.Button("发送", variant="primary", scale=1, elem_id="send")
                        status = gr.HTML("", elem_id="answer-status", js_on_load=None)
                        answer_plot = gr.BarPlot(x="x", y="value", color="series", label="图表（回答中的数字）",
                                                 visible=False, elem_id="answer-plot")
                        with gr.Row():
                            copy_md = gr.Button("复制回答（Markdown）", size="sm", elem_id="copy-answer")
                            export_md = gr.DownloadButton("导出回答（Markdown）", interactive=False, size="sm",
                                                          elem_id="export-answer")
                            clear = gr.Button("清空对话", size="sm")
                        answer_md = gr.Textbox(visible=False, elem_id="answer-md")
                        gr.Examples(serve.EXAMPLE_QUESTIONS, inputs=[question], label="示例问题")
                    with gr.Column(scale=2):
                        with gr.Accordion("筛选", open=False):
                            region = gr.Dropdown(choices=[("全部地区", "")], value="", label="地区", elem_id="filter-region")
                            year = gr.Dropdown(choices=[("全部年份", "")], value="", label="年份", elem_id="filter-year")
                            document = gr.Dropdown(choices=[("全部文档", "")], value="", label="文档", elem_id="filter-doc")
                        sources = gr.HTML(serve.render_sources(None), elem_id="sources", js_on_load=None)
            with gr.Tab("写作", id="draft", elem_id="tab-draft"):
                topic = gr.Textbox(label="写作主题", placeholder="例如：泰兴市2020年高新技术企业培育成效", elem_id="topic")
                write = gr.Button("生成段落", variant="primary")
                draft_out = gr.HTML("", elem_id="draft-out", js_on_load=None)
                draft_status = gr.HTML("", js_on_load=None)
                with gr.Row():
                    draft_md = gr.DownloadButton("导出 Markdown", interactive=False, size="sm")
                    draft_docx = gr.DownloadButton("导出 Word（DOCX）", interactive=False, size="sm")
            with gr.Tab("知识库", id="knowledge", elem_id="tab-knowledge"):
                files = gr.File(label=f"上传文档（{' '.join(serve.UPLOAD_SUFFIXES)}，单个文件不超过 20 MB）",
                                file_count="multiple", file_types=list(serve.UPLOAD_SUFFIXES), elem_id="upload-files")
                with gr.Row():
                    add = gr.Button("上传并索引", variant="primary", elem_id="upload-button")
                    reindex_button = gr.Button("重新索引知识库")
                ingest_report = gr.HTML("", elem_id="ingest-report", js_on_load=None)
                doc_count = gr.Markdown("")
                docs_table = gr.Dataframe(headers=serve.DOCUMENT_COLUMNS, interactive=False, wrap=True,
                                          elem_id="documents", max_height=420, show_search="search")
                with gr.Row():
                    remove_choice = gr.Dropdown(choices=[], label="要删除的文档（可在表中点选）", scale=4)
                    remove_button = gr.Button("删除文档", variant="stop", scale=1)
            with gr.Tab("指标", id="facts", elem_id="tab-facts") as facts_tab:
                with gr.Row():
                    fact_indicator = gr.Dropdown(choices=[("全部指标", "")], value="", label="指标", elem_id="facts-indicator")
                    fact_region = gr.Dropdown(choices=[("全部地区", "")], value="", label="地区", elem_id="facts-region")
                    fact_year = gr.Dropdown(choices=[("全部年份", "")], value="", label="年份", elem_id="facts-year")
                    fact_button = gr.Button("查询", variant="primary", elem_id="facts-query")
                fact_summary = gr.Markdown("")
                fact_line = gr.LinePlot(x="x", y="value", color="series", label="历年变化", visible=False, elem_id="facts-line")
                fact_bar = gr.BarPlot(x="x", y="value", color="series", label="地区比较", visible=False, elem_id="facts-bar")
                fact_table = gr.Dataframe(headers=list(SHOWN_HEADERS), interactive=False, wrap=True, max_height=420,
                                          elem_id="facts-table")
                with gr.Row():
                    fact_csv = gr.DownloadButton("导出 CSV", interactive=False, size="sm", elem_id="facts-csv")
                    fact_xlsx = gr.DownloadButton("导出 XLSX", interactive=False, size="sm", elem_id="facts-xlsx")
            with gr.Tab("评测", id="eval", elem_id="tab-eval"):
                with gr.Row():
                    eval_backend = gr.Dropdown(list(serve.BACKENDS), value="extractive", label="后端")
                    eval_limit = gr.Number(value=None, label="只评前 N 题（留空为全部）", precision=0, minimum=0)
                    eval_button = gr.Button("运行评测", variant="primary")
                eval_summary = gr.HTML("", js_on_load=None)
                with gr.Row():
                    eval_metrics = gr.Dataframe(headers=serve.METRIC_COLUMNS, interactive=False, label="指标")
                    eval_plot = gr.BarPlot(x="kind", y="accuracy", title="各类问题准确率", y_lim=[0, 1], label="按类型")
                eval_failures = gr.Dataframe(headers=serve.FAILURE_COLUMNS, interactive=False, wrap=True, label="失败项")
                eval_export = gr.DownloadButton("下载评测报告（Markdown）", interactive=False, size="sm")
        with gr.Row(visible=False):  # the API: same JSON as `python -m assistant ask --json`
            api_question = gr.Textbox()
            api_button = gr.Button()
            api_answer = gr.JSON()

        # -- events --------------------------------------------------------------------------
        knowledge_outputs = [region, year, document, docs_table, remove_choice, doc_count]
        # Generation is slow (seconds with the local model), so chat, draft and /ask share a few slots
        # and wait in the queue; loading, clearing and the knowledge base never wait behind them.
        answering = {"concurrency_limit": settings.concurrent_answers, "concurrency_id": "answer"}
        page.load(on_load, None, [banner] + knowledge_outputs, api_name=False, concurrency_limit=None)
        gr.Timer(serve.REFRESH_S).tick(lambda: serve.model_state_html(settings), None, model_state, api_name=False,
                                       queue=False, show_progress="hidden")
        chat_outputs = [question, chatbot, display, sources, status, turns, export_md, answer_md, answer_plot]
        chat_inputs = [question, turns, display, region, year, document]
        send.click(chat, chat_inputs, chat_outputs, api_name=False, **answering)
        question.submit(chat, chat_inputs, chat_outputs, api_name=False, **answering)
        for trigger in (clear.click, chatbot.clear):  # the button, or the chat's own trash icon
            trigger(clear_chat, None, [chatbot, turns, display, sources, status, export_md, answer_md, answer_plot],
                    api_name=False, queue=False)
        copy_md.click(None, answer_md, None, js="(text) => { if (text) { navigator.clipboard.writeText(text); } }")
        api_button.click(ask_api, api_question, api_answer, api_name="ask", **answering)
        write.click(draft, topic, [draft_out, draft_status, draft_md, draft_docx], api_name=False, **answering)
        topic.submit(draft, topic, [draft_out, draft_status, draft_md, draft_docx], api_name=False, **answering)
        add.click(upload, files, [ingest_report, files] + knowledge_outputs, api_name=False,
                  concurrency_limit=1, concurrency_id="index")
        remove_button.click(remove_document, remove_choice, [ingest_report] + knowledge_outputs, api_name=False,
                            concurrency_limit=1, concurrency_id="index")
        reindex_button.click(reindex, None, [ingest_report] + knowledge_outputs, api_name=False,
                             concurrency_limit=1, concurrency_id="index")
        docs_table.select(pick_document, None, remove_choice, api_name=False, queue=False)
        facts_tab.select(fact_choices, None, [fact_indicator, fact_region, fact_year], api_name=False)
        fact_button.click(show_facts, [fact_indicator, fact_region, fact_year],
                          [fact_summary, fact_line, fact_bar, fact_table, fact_csv, fact_xlsx], api_name=False)
        eval_button.click(run_evaluation, [eval_backend, eval_limit],
                          [eval_summary, eval_metrics, eval_plot, eval_failures, eval_export],
                          api_name=False, concurrency_limit=1, concurrency_id="eval")
    return page


def main() -> None:
    try:
        settings = get_settings()
        auth = serve.basic_auth(settings.auth)
    except (AssistantError, ValueError) as exc:  # a bad setting: say which, without a traceback
        raise SystemExit(f"error: {exc}") from exc
    services = serve.Services(settings, backend=None)  # settings.resolved_backend(): ASSISTANT_BACKEND wins
    page = build_app(services)
    page.launch(  # Gradio queues every event by default; the limits are set per event in build_app
        server_name=settings.server_name,
        server_port=settings.server_port,
        auth=auth,
        show_error=True,
        css=CSS,
        allowed_paths=[str(serve.exports_dir(settings))],
        max_file_size=serve.MAX_UPLOAD_BYTES,  # refused while streaming, before the body is stored
        footer_links=["api"],
        prevent_thread_lock=True,
    )
    services.start(delay_s=10.0)  # opened on first use (the page's load event) or in 10 s; handlers wait
    page.block_thread()


if __name__ == "__main__":
    main()
