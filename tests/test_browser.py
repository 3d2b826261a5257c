"""The page in a real browser (Playwright driving Debian's Chromium): first paint, a streamed
answer with its source panel, an upload through the Knowledge tab, and markup in a document
that must not run. First paint is timed here and printed, not asserted: a timed assertion is no
benchmark (see benchmarks/page.py, which measures it over repeated starts).

The app runs over a copy of the corpus index, so uploads here never change what other tests see.
Screenshots go to pytest's tmp_path (their paths are printed; run with -s to see them).
"""

from __future__ import annotations

import http.server
import json
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import wait_for_port
from scans import CHROMIUM, CHROMIUM_ARGS
from test_app import AppServer, start_app, stop_app

from assistant.settings import Settings

if not CHROMIUM.exists():
    pytest.skip(
        f"{CHROMIUM} not found (install Debian's chromium package to run the browser tests)", allow_module_level=True
    )

from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402

pytestmark = pytest.mark.slow

TIMEOUT_MS = 60_000
NOTE = """# 临江市科技局2021年工作总结

2021年，临江市新认定国家高新技术企业37家，建成“青蓝星火”孵化平台3个。
"""
XSS = """# 滨海市科技局2021年科技创新工作总结<img src=x onerror="window.__xss=3">

一、2021年工作情况

全年新认定国家高新技术企业58家<script>window.__xss=1</script>，同比增长20%。\
技术合同成交额达到12.5亿元<img src=x onerror="window.__xss=2">。
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def app_settings(corpus_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A private copy of the corpus index, so that uploads here change no other test's index."""
    root = tmp_path_factory.mktemp("browser-app")
    shutil.copytree(corpus_settings.resolved_index_dir, root / "index")
    return Settings(data_dir=root / "data", index_dir=root / "index", knowledge_dir=corpus_settings.knowledge_dir)


@dataclass
class Opened:
    page: Page
    server: AppServer
    first_paint: float  # seconds from the process start until the main heading was visible


@pytest.fixture(scope="module")
def opened(browser: Browser, app_settings: Settings) -> Iterator[Opened]:
    """Start ``python app.py`` with the browser and a blank page ready, open the page as soon as
    the port accepts connections, and time the first paint (the main heading visible)."""
    pg = browser.new_page(viewport={"width": 1400, "height": 1000}, permissions=["clipboard-read", "clipboard-write"])
    pg.set_default_timeout(TIMEOUT_MS)
    server = start_app(app_settings, app_settings.data_dir.parent / "app.log")
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", server.port), timeout=0.2).close()
                break
            except OSError:
                assert server.proc.poll() is None and time.monotonic() < deadline, (
                    f"app.py did not start:\n{server.output()}"
                )
                time.sleep(0.02)
        pg.goto(server.url, wait_until="commit")
        pg.locator("#app-title h1").wait_for(state="visible")
        first_paint = time.monotonic() - server.started
        print(f"first paint: {first_paint:.2f} s after process start")
        yield Opened(pg, server, first_paint)
    finally:
        pg.close()
        stop_app(server)
        print(server.output())


@pytest.fixture
def page(opened: Opened) -> Page:
    return opened.page


def shot(page: Page, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")
    return path


def ask(page: Page, question: str, new_chat: bool = True) -> None:
    """Ask in the chat tab; ``new_chat`` clears the conversation first (else it is a follow-up)."""
    page.get_by_role("tab", name="问答").click()
    if new_chat:
        page.get_by_role("button", name="清空对话").click()
        expect(page.locator("#chatbot [data-testid=bot]")).to_have_count(0)
    page.locator("#question textarea").fill(question)
    page.locator("#send").click()


def upload(page: Page, path: Path, listed_as: str) -> None:
    page.get_by_role("tab", name="知识库").click()
    page.locator("#upload-files input[type=file]").set_input_files(str(path))
    expect(page.locator("#upload-files tr", has_text=path.stem)).to_have_count(1)  # uploaded to the server
    page.locator("#upload-button").click()
    # (while it runs, the progress text — with the file name — shows over every output: wait for the result)
    # the page parses an upload in a child process of its own (a spawned interpreter: seconds to start)
    expect(page.locator("#ingest-report")).to_contain_text(f"已索引：{listed_as}", timeout=TIMEOUT_MS)
    expect(page.locator("#ingest-report")).to_contain_text("已索引 1 个文档")
    # the page's uploads are listed in a folder of their own, apart from knowledge/
    expect(page.locator("#documents").get_by_role("gridcell", name=f"uploads/{listed_as}", exact=True)).to_have_count(1)


def test_streamed_answer_with_sources(page: Page, tmp_path: Path) -> None:
    ask(page, "泰兴市2020年新认定国家高企多少家？")
    bot = page.locator("#chatbot [data-testid=bot]").last
    expect(bot).to_contain_text("86家", timeout=TIMEOUT_MS)
    cite = bot.locator("a.cite").first
    expect(cite).to_have_text("[1]")
    sources = page.locator("#sources")
    target = sources.locator(cite.get_attribute("href") or "#missing")
    expect(target).to_contain_text("泰兴")
    expect(target.locator("mark", has_text="86家")).to_have_count(1)
    expect(sources).to_contain_text("2020年")
    expect(page.locator("#answer-status")).to_contain_text("extractive")
    expect(page.locator("#export-answer")).to_be_enabled()
    page.locator("#copy-answer").click()  # the answer with its references, as Markdown
    page.wait_for_function("navigator.clipboard.readText().then(t => t.includes('86家'))")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.startswith("# 泰兴市2020年新认定国家高企多少家？") and "## 参考资料" in copied and "<a" not in copied
    shot(page, tmp_path, "chat")

    ask(page, "那高新技术产业产值呢？", new_chat=False)  # a follow-up: the history carries 泰兴 and 2020 over
    expect(page.locator("#chatbot [data-testid=bot]")).to_have_count(2, timeout=TIMEOUT_MS)
    expect(page.locator("#answer-status")).to_contain_text(
        "理解为：泰兴市2020年高新技术产业产值是多少？", timeout=TIMEOUT_MS
    )
    expect(page.locator("#chatbot [data-testid=bot]").last).to_contain_text("550亿元")


def test_upload_through_the_knowledge_tab(page: Page, tmp_path: Path) -> None:
    note = tmp_path / "临江市 2021 工作总结.md"
    note.write_text(NOTE, encoding="utf-8")
    upload(page, note, listed_as="临江市_2021_工作总结.md")  # the stored name is sanitized
    shot(page, tmp_path, "knowledge")
    ask(page, "临江市2021年新认定国家高新技术企业多少家？")
    expect(page.locator("#chatbot [data-testid=bot]").last).to_contain_text("37家", timeout=TIMEOUT_MS)
    expect(page.locator("#sources")).to_contain_text("青蓝星火")


def test_markup_in_a_document_does_not_run(page: Page, tmp_path: Path) -> None:
    doc = tmp_path / "滨海市科技局2021年工作总结.md"
    doc.write_text(XSS, encoding="utf-8")
    upload(page, doc, listed_as=doc.name)
    ask(page, "滨海市2021年新认定国家高新技术企业多少家？")
    bot = page.locator("#chatbot [data-testid=bot]").last
    expect(bot).to_contain_text("58家", timeout=TIMEOUT_MS)
    expect(page.locator("#sources")).to_contain_text("<script>window.__xss=1</script>")  # shown as text
    expect(page.locator("#sources")).to_contain_text('<img src=x onerror="window.__xss=2">')
    expect(bot).to_contain_text("<script>window.__xss=1</script>")
    expect(page.locator("#sources mark", has_text="58家")).to_have_count(1)
    expect(page.locator("#sources .source-title")).to_contain_text('<img src=x onerror="window.__xss=3">')
    assert page.locator("#sources script, #sources img, #chatbot script, #chatbot img").count() == 0
    page.get_by_role("tab", name="知识库").click()  # the title, with its markup, is in the documents table too
    expect(page.locator("#documents")).to_contain_text('<img src=x onerror="window.__xss=3">')
    assert page.locator("#documents img").count() == 0
    page.get_by_role("tab", name="问答").click()
    page.wait_for_timeout(300)
    assert page.evaluate("window.__xss") is None
    shot(page, tmp_path, "xss")


def test_draft_tab_writes_a_cited_paragraph(page: Page) -> None:
    page.get_by_role("tab", name="写作").click()
    page.locator("#topic textarea").fill("泰兴市2020年高新技术企业培育成效")
    page.get_by_role("button", name="生成段落").click()
    out = page.locator("#draft-out")
    expect(out).to_contain_text("参考资料", timeout=TIMEOUT_MS)
    expect(out.locator("a.cite").first).to_be_visible()
    expect(out.locator("ul.refs li").first).to_contain_text("泰兴市")
    expect(page.get_by_role("button", name="导出 Word（DOCX）")).to_be_enabled()
    with page.expect_download() as download:
        page.get_by_role("button", name="导出 Word（DOCX）").click()
    assert download.value.suggested_filename.endswith(".docx")


def test_evaluation_tab_runs_a_small_evaluation(page: Page, tmp_path: Path) -> None:
    page.get_by_role("tab", name="评测").click()
    page.get_by_label("只评前 N 题（留空为全部）").fill("4")
    page.get_by_role("button", name="运行评测").click()
    expect(page.get_by_text("后端 extractive")).to_be_visible(timeout=TIMEOUT_MS * 2)
    expect(page.get_by_role("grid", name="指标")).to_contain_text("figure_accuracy")
    expect(page.locator(".vega-embed, canvas, svg.marks").first).to_be_visible()
    shot(page, tmp_path, "evaluation")


def pick(page: Page, dropdown: str, option: str) -> None:
    """Choose ``option`` in a Gradio dropdown, as a user does: open it, click the option."""
    page.locator(f"{dropdown} input").click()
    page.get_by_role("option", name=option, exact=True).click()


def test_indicator_tab_filters_charts_and_exports(page: Page, tmp_path: Path) -> None:
    """The 指标 tab: filter by indicator (then region), the table with its sources, the bar chart
    across regions drawn, and the CSV and XLSX exports holding the same rows."""
    import csv
    from io import BytesIO  # a download is stored without its file name's suffix

    from openpyxl import load_workbook

    page.get_by_role("tab", name="指标").click()
    pick(page, "#facts-indicator", "发明专利授权量")
    page.locator("#facts-query").click()
    table = page.locator("#facts-table")
    expect(table).to_contain_text("144")
    expect(table).to_contain_text("171")
    expect(table).to_contain_text("钟楼")  # the source: the document's title and the sentence read
    expect(table).to_contain_text("授权专利885件")
    chart = page.locator("#facts-line:visible, #facts-bar:visible")  # a line over years, bars across regions
    expect(chart).to_have_count(1)
    expect(chart.locator("canvas, svg.marks").first).to_be_visible()  # drawn, not only placed
    shot(page, tmp_path, "indicators")

    exported = {}
    for button, suffix in (("#facts-csv", ".csv"), ("#facts-xlsx", ".xlsx")):
        expect(page.locator(button)).to_be_enabled()
        with page.expect_download() as download:
            page.locator(button).click()
        assert download.value.suggested_filename.endswith(suffix)
        exported[suffix] = download.value.path()
    with open(exported[".csv"], encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    sheet = [
        [str(v) if v is not None else "" for v in r]
        for r in load_workbook(BytesIO(exported[".xlsx"].read_bytes())).active.iter_rows(values_only=True)
    ]
    assert rows[0][:4] == ["指标", "口径", "细分", "地区"] and sheet[0] == rows[0]
    assert {r[0] for r in rows[1:]} == {"发明专利授权量"} and len(sheet) == len(rows)
    assert any(r[7] in ("144", "144.0") for r in rows[1:]) and any(r[7] in ("171", "171.0") for r in rows[1:])

    pick(page, "#facts-region", "瑞安市")
    page.locator("#facts-query").click()
    expect(table).not_to_contain_text("144")
    expect(table).to_contain_text("171")


def test_an_answer_with_a_comparison_shows_its_chart(page: Page, tmp_path: Path) -> None:
    ask(page, "钟楼区2012年1-9月和瑞安市2023年的发明专利授权量分别是多少？")
    bot = page.locator("#chatbot [data-testid=bot]").last
    expect(bot).to_contain_text("171件", timeout=TIMEOUT_MS)
    expect(bot).to_contain_text("144件")
    chart = page.locator("#answer-plot")
    expect(chart).to_be_visible()
    expect(chart.locator("canvas, svg.marks").first).to_be_visible()
    shot(page, tmp_path, "answer-chart")
    ask(page, "泰兴市2020年新认定国家高企多少家？")  # one figure: no chart
    expect(page.locator("#chatbot [data-testid=bot]").last).to_contain_text("86家", timeout=TIMEOUT_MS)
    expect(chart).to_be_hidden()


def test_a_too_large_upload_is_refused_without_breaking_the_knowledge_tab(page: Page, tmp_path: Path) -> None:
    """Over the page's 20 MB: a clear message; the documents table keeps its rows and no
    "Error" overlay covers the Knowledge tab's outputs."""
    big = tmp_path / "过大的报告.txt"
    with open(big, "wb") as fh:
        fh.write(("2021年，全市新认定国家高新技术企业37家。\n" * 400_000).encode("utf-8")[: 21 * 1024 * 1024])
    page.get_by_role("tab", name="知识库").click()
    documents = page.locator("#documents")
    expect(documents.get_by_role("gridcell", name="浙江省专利条例(2015-09-25).md", exact=True)).to_have_count(1)
    rows_before = documents.locator("tbody tr").count()
    page.locator("#upload-files input[type=file]").set_input_files(str(big))
    expect(page.get_by_text(re.compile(r"20 ?MB|过大|maximum")).first).to_be_visible()  # said at once, nothing stored
    shot(page, tmp_path, "upload-refused")
    page.locator("#upload-button").click()  # and pressing on: said in the report area, not as an error
    expect(page.locator("#ingest-report")).to_contain_text("未上传")
    page.wait_for_timeout(1000)  # an error overlay, if any, would have painted by now
    knowledge = page.locator("#tab-knowledge")
    assert knowledge.locator(".error").filter(has_text="Error").count() == 0, (
        "an Error overlay covers a Knowledge output"
    )
    expect(documents.get_by_role("gridcell", name="浙江省专利条例(2015-09-25).md", exact=True)).to_have_count(1)
    assert documents.locator("tbody tr").count() == rows_before


class _SlowLLM(http.server.BaseHTTPRequestHandler):
    """An OpenAI-compatible chat endpoint that holds every completion until the test releases it:
    a stand-in for a model that takes long to generate, written here because no real model can be
    made to wait on cue. It answers in the streamed (SSE) form that ChatOpenAI(streaming=True) asks for."""

    release = threading.Event()
    lock = threading.Lock()
    started = 0
    in_flight = 0
    most_in_flight = 0

    def do_POST(self) -> None:  # noqa: N802 — http.server's name
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        cls = type(self)
        with cls.lock:
            cls.started += 1
            cls.in_flight += 1
            cls.most_in_flight = max(cls.most_in_flight, cls.in_flight)
        try:
            cls.release.wait(120)
            chunk = {
                "id": "slow",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": "slow",
                "choices": [
                    {
                        "index": 0,
                        "delta": {"role": "assistant", "content": "泰兴市2020年新认定国家高新技术企业86家[1]。"},
                        "finish_reason": None,
                    }
                ],
            }
            done = {**chunk, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
            body = "".join(f"data: {json.dumps(c, ensure_ascii=False)}\n\n" for c in (chunk, done)) + "data: [DONE]\n\n"
            data = body.encode("utf-8")
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        finally:
            with cls.lock:
                cls.in_flight -= 1

    def log_message(self, *args: object) -> None:
        pass


def test_page_stays_usable_while_answers_generate(browser: Browser, corpus_settings: Settings, tmp_path: Path) -> None:
    """Three questions against a model that does not finish: two generate (the page's answer
    slots, settings.concurrent_answers), the third waits in the queue, and meanwhile the page
    still opens, loads its document list and switches tabs. Released, all three are answered."""
    from gradio_client import Client

    llm = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _SlowLLM)
    threading.Thread(target=llm.serve_forever, daemon=True).start()
    settings = corpus_settings.model_copy(update={"data_dir": tmp_path / "data"})  # its own completion cache
    server = start_app(
        settings,
        tmp_path / "app.log",
        ASSISTANT_ANSWER__BACKEND="openai",
        ASSISTANT_ANSWER__MAX_RETRIES="0",
        OPENAI_BASE_URL=f"http://127.0.0.1:{llm.server_port}/v1",
        OPENAI_API_KEY="sk-test",
    )
    pg = browser.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    try:
        wait_for_port(server.port, server.proc, "app.py")
        client = Client(server.url, verbose=False)
        jobs = [
            client.submit(q, api_name="/ask")
            for q in (
                "泰兴市2020年新认定国家高企多少家？",
                "泰兴市2020年高新技术产业产值是多少？",
                "浙江某区2013年研发投入占GDP比重预计达到多少？",
            )
        ]
        deadline = time.monotonic() + 120
        while _SlowLLM.in_flight < 2:
            assert time.monotonic() < deadline, f"two generations never started:\n{server.output()}"
            time.sleep(0.1)

        pg.goto(server.url)  # both answer slots are busy: the page must still open and work
        expect(pg.locator("#app-title h1")).to_be_visible()
        expect(pg.locator("#banner")).to_contain_text("openai")
        pg.get_by_role("tab", name="知识库").click()
        expect(
            pg.locator("#documents").get_by_role("gridcell", name="浙江省专利条例(2015-09-25).md", exact=True)
        ).to_have_count(1)
        assert _SlowLLM.started == 2 and _SlowLLM.in_flight == 2, "the third question should wait in the queue"

        _SlowLLM.release.set()
        answers = [job.result(timeout=120) for job in jobs]
        assert _SlowLLM.most_in_flight == 2
        assert all(a["answer"] and a["backend"] for a in answers)
        assert "86家" in answers[0]["answer"]
    finally:
        _SlowLLM.release.set()
        pg.close()
        stop_app(server)
        llm.shutdown()
        print(server.output())
