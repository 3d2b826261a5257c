"""The page's layout: every component, by tab, named in one dict the events are wired by.

Components are created here and nothing else: which handler an event calls, and whether it is
part of the API, is :mod:`assistant.serve.events`. Gradio is imported at the top, so only
``app.py`` imports this module, after it has prepared Gradio's environment
(:mod:`assistant.serve.gradio_stubs`, the page's own file cache).
"""

from __future__ import annotations

from typing import Any

import gradio as gr

from assistant import serve
from assistant.answer import backends

TITLE = "科技创新政策助手"
CSS = """
#app-title h1 { margin: 0.2em 0 0; font-size: 1.7em; }
#app-title p { margin: 0.2em 0 0.4em; color: var(--body-text-color-subdued); }
.notice { color: #8a5300; background: #fff4e0; border: 1px solid #f0c36d; border-radius: 6px; \
padding: 6px 10px; margin-top: 6px; }
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
.draft-text { line-height: 1.8; white-space: pre-line; }
.draft-plan table { font-size: 0.85em; border-collapse: collapse; }
.draft-plan td, .draft-plan th { border: 1px solid #ddd; padding: 2px 4px; vertical-align: top; }
.ingest-report .failed { color: #c62828; }
"""


Components = dict[str, Any]  # the page's components by name; handlers name their outputs the same way


def _chat_tab(c: Components) -> None:
    with gr.Row():
        with gr.Column(scale=3):
            # no per-message copy button: it would copy the escaped HTML; "复制回答" copies Markdown
            c["chatbot"] = gr.Chatbot(
                label="对话",
                height=460,
                elem_id="chatbot",
                latex_delimiters=[],
                feedback_options=None,
                buttons=[],
                placeholder="请提出关于科技统计与政策的问题",
            )
            with gr.Row():
                c["question"] = gr.Textbox(
                    show_label=False,
                    placeholder="例如：泰兴市2020年新认定国家高企多少家？",
                    scale=5,
                    elem_id="question",
                    max_lines=4,
                )
                c["send"] = gr.Button("发送", variant="primary", scale=1, elem_id="send")
            c["status"] = gr.HTML("", elem_id="answer-status", js_on_load=None)
            c["answer_plot"] = gr.BarPlot(
                x="x", y="value", color="series", label="图表（回答中的数字）", visible=False, elem_id="answer-plot"
            )
            with gr.Row():
                c["copy_md"] = gr.Button("复制回答（Markdown）", size="sm", elem_id="copy-answer")
                c["export_md"] = gr.DownloadButton(
                    "导出回答（Markdown）", interactive=False, size="sm", elem_id="export-answer"
                )
                c["clear"] = gr.Button("清空对话", size="sm")
            c["answer_md"] = gr.Textbox(visible=False, elem_id="answer-md")
            gr.Examples(serve.EXAMPLE_QUESTIONS, inputs=[c["question"]], label="示例问题")
        with gr.Column(scale=2):
            with gr.Accordion("筛选", open=False):
                c["region"] = gr.Dropdown(choices=[("全部地区", "")], value="", label="地区", elem_id="filter-region")
                c["year"] = gr.Dropdown(choices=[("全部年份", "")], value="", label="年份", elem_id="filter-year")
                c["document"] = gr.Dropdown(choices=[("全部文档", "")], value="", label="文档", elem_id="filter-doc")
            c["sources"] = gr.HTML(serve.render_sources(None), elem_id="sources", js_on_load=None)


def _draft_tab(c: Components) -> None:
    c["topic"] = gr.Textbox(label="写作主题", placeholder="例如：泰兴市2020年高新技术企业培育成效", elem_id="topic")
    with gr.Row():
        c["draft_style"] = gr.Radio(list(serve.STYLES), value="总结", label="文体", elem_id="draft-style")
        c["draft_chars"] = gr.Number(value=300, label="字数上限", precision=0, minimum=40, maximum=2000)
        c["write"] = gr.Button("生成段落", variant="primary")
    with gr.Row():
        with gr.Column(scale=3):
            c["draft_out"] = gr.HTML("", elem_id="draft-out", js_on_load=None)
            c["draft_status"] = gr.HTML("", js_on_load=None)
            with gr.Row():
                c["draft_md"] = gr.DownloadButton("导出 Markdown", interactive=False, size="sm")
                c["draft_docx"] = gr.DownloadButton("导出 Word（DOCX）", interactive=False, size="sm")
        with gr.Column(scale=2):
            c["draft_plan"] = gr.HTML("", elem_id="draft-plan", js_on_load=None)
            c["draft_keep"] = gr.CheckboxGroup([], label="写入的事实（取消勾选后重新生成）", elem_id="draft-keep")
            c["redraft"] = gr.Button("按所选事实重新生成", size="sm")
            c["draft_planned"] = gr.State([])


def _knowledge_tab(c: Components) -> None:
    c["files"] = gr.File(
        label=f"上传文档（{' '.join(serve.UPLOAD_SUFFIXES)}，单个文件不超过 20 MB）",
        file_count="multiple",
        file_types=list(serve.UPLOAD_SUFFIXES),
        elem_id="upload-files",
    )
    with gr.Row():
        c["add"] = gr.Button("上传并索引", variant="primary", elem_id="upload-button")
        c["reindex"] = gr.Button("重新索引知识库")
    c["ingest_report"] = gr.HTML("", elem_id="ingest-report", js_on_load=None)
    c["doc_count"] = gr.Markdown("")
    c["docs_table"] = gr.Dataframe(
        headers=serve.DOCUMENT_COLUMNS,
        interactive=False,
        wrap=True,
        elem_id="documents",
        max_height=420,
        show_search="search",
    )
    with gr.Row():
        c["remove_choice"] = gr.Dropdown(choices=[], label="要删除的文档（可在表中点选）", scale=4)
        c["remove"] = gr.Button("删除文档", variant="stop", scale=1)


def _facts_tab(c: Components) -> None:
    from assistant.facts.table import SHOWN_HEADERS

    with gr.Row():
        c["fact_indicator"] = gr.Dropdown(choices=[("全部指标", "")], value="", label="指标", elem_id="facts-indicator")
        c["fact_region"] = gr.Dropdown(choices=[("全部地区", "")], value="", label="地区", elem_id="facts-region")
        c["fact_year"] = gr.Dropdown(choices=[("全部年份", "")], value="", label="年份", elem_id="facts-year")
        c["fact_button"] = gr.Button("查询", variant="primary", elem_id="facts-query")
    c["fact_summary"] = gr.Markdown("")
    c["fact_line"] = gr.LinePlot(
        x="x", y="value", color="series", label="历年变化", visible=False, elem_id="facts-line"
    )
    c["fact_bar"] = gr.BarPlot(x="x", y="value", color="series", label="地区比较", visible=False, elem_id="facts-bar")
    c["fact_table"] = gr.Dataframe(
        headers=list(SHOWN_HEADERS), interactive=False, wrap=True, max_height=420, elem_id="facts-table"
    )
    with gr.Row():
        c["fact_csv"] = gr.DownloadButton("导出 CSV", interactive=False, size="sm", elem_id="facts-csv")
        c["fact_xlsx"] = gr.DownloadButton("导出 XLSX", interactive=False, size="sm", elem_id="facts-xlsx")


def _eval_tab(c: Components) -> None:
    with gr.Row():
        c["eval_backend"] = gr.Dropdown(list(backends.NAMES), value=backends.FALLBACK, label="后端")
        c["eval_limit"] = gr.Number(value=None, label="只评前 N 题（留空为全部）", precision=0, minimum=0)
        c["eval_button"] = gr.Button("运行评测", variant="primary")
    c["eval_summary"] = gr.HTML("", js_on_load=None)
    with gr.Row():
        c["eval_metrics"] = gr.Dataframe(headers=serve.METRIC_COLUMNS, interactive=False, label="指标")
        c["eval_plot"] = gr.BarPlot(x="kind", y="accuracy", title="各类问题准确率", y_lim=[0, 1], label="按类型")
    c["eval_failures"] = gr.Dataframe(headers=serve.FAILURE_COLUMNS, interactive=False, wrap=True, label="失败项")
    c["eval_export"] = gr.DownloadButton("下载评测报告（Markdown）", interactive=False, size="sm")


def layout(c: Components) -> None:
    """The title, the backend banner and model line, the five tabs and the hidden API row."""
    gr.HTML(
        f"<h1>{TITLE}</h1><p>基于科技局工作报告与科技政策原文回答问题：每个数字都标注出处并与原文核对。</p>",
        elem_id="app-title",
        js_on_load=None,
    )
    c["banner"] = gr.HTML('<div class="backend-line">正在打开索引…</div>', elem_id="banner", js_on_load=None)
    c["model_state"] = gr.HTML("", elem_id="model-state", js_on_load=None)  # the local model loads meanwhile
    c["turns"] = gr.State([])  # the plain transcript the chain reads
    c["display"] = gr.State([])  # the escaped transcript the chat shows
    with gr.Tabs():
        with gr.Tab("问答", id="chat", elem_id="tab-chat"):
            _chat_tab(c)
        with gr.Tab("写作", id="draft", elem_id="tab-draft"):
            _draft_tab(c)
        with gr.Tab("知识库", id="knowledge", elem_id="tab-knowledge"):
            _knowledge_tab(c)
        with gr.Tab("指标", id="facts", elem_id="tab-facts") as c["facts_tab"]:
            _facts_tab(c)
        with gr.Tab("评测", id="eval", elem_id="tab-eval"):
            _eval_tab(c)
    with gr.Row(visible=False):  # the API: same JSON as `python -m assistant ask --json`
        c["api_question"], c["api_button"], c["api_answer"] = gr.Textbox(), gr.Button(), gr.JSON()
