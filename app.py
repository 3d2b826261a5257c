"""The Gradio page. For now: search over the index with sources (the chat page is its own issue).

Binds 127.0.0.1 by default; GRADIO_SERVER_PORT sets the port. It indexes nothing itself:
`make run` ingests knowledge/ first (unchanged files are skipped in well under a second).
"""

from __future__ import annotations

import html
import os

import gradio as gr

from assistant.errors import AssistantError
from assistant.retrieve import Filters, Retriever
from assistant.settings import Settings, get_settings


def render(results: list[dict]) -> str:
    """Passages as escaped HTML: a document containing <script> must never run in the page."""
    if not results:
        return "<p>没有找到相关段落。（索引为空？请先运行 <code>python -m assistant ingest</code>）</p>"
    parts = []
    for r in results:
        years = "、".join(map(str, r["years"])) if r["years"] else "—"
        parts.append(
            f"<div class='passage'><b>[{r['rank']}] {html.escape(r['title'] or r['source'])}</b>"
            f" · {html.escape(r['region'] or '—')} · {years} · {html.escape(r['section'] or '—')}"
            f"<br><small>{html.escape(r['source'])} · score {r['score']}</small>"
            f"<p>{html.escape(r['text'])}</p></div>"
        )
    return "\n".join(parts)


def build_app(settings: Settings) -> gr.Blocks:
    retriever = Retriever(settings)

    def search(question: str, region: str, k: int) -> tuple[str, dict]:
        if not question.strip():
            raise gr.Error("请输入问题")
        try:
            results = retriever.search(question, k=int(k), filters=Filters(region=region or None))
        except AssistantError as exc:
            raise gr.Error(str(exc)) from exc
        payload = {"question": question, "results": [r.to_json() for r in results]}
        return render(payload["results"]), payload

    with gr.Blocks(title="科技创新政策助手") as page:
        gr.Markdown("## 科技创新政策助手 · 检索\n按问题查找报告与政策原文段落（含出处）。问答与引用核验将在后续版本加入。")
        with gr.Row():
            question = gr.Textbox(label="问题", placeholder="泰兴市2020年新认定国家高企多少家？", scale=4)
            region = gr.Dropdown(choices=[""] + retriever.regions(), value="", label="地区", scale=1)
            k = gr.Slider(1, 10, value=5, step=1, label="段落数", scale=1)
        button = gr.Button("检索", variant="primary")
        output = gr.HTML()
        raw = gr.JSON(visible=False)
        gr.Examples(["泰兴市2020年新认定国家高企多少家？", "浙江某区2013年研发投入占GDP比重", "泸州市技术合同成交金额"], question)
        button.click(search, [question, region, k], [output, raw], api_name="search")
        question.submit(search, [question, region, k], [output, raw], api_name=False)
    return page


def main() -> None:
    settings = get_settings()
    page = build_app(settings)
    page.queue(default_concurrency_limit=4).launch(
        server_name=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"),
        server_port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        show_error=True,
    )


if __name__ == "__main__":
    main()
