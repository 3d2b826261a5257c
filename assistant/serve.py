"""What the page needs that is not the page: services, streaming, HTML, exports and uploads.

``app.py`` only lays out Gradio components and wires events to the functions here, so all of
this is testable without a browser. Answers are handled as the dict :meth:`Answer.to_json`
returns (the ``/ask`` API contract), so what the page shows is exactly what the API returns.

Every text that comes from a document or an answer is HTML-escaped here before it is wrapped in
markup: a document containing ``<script>`` must show as text and never run in the page.
"""

from __future__ import annotations

import html
import logging
import os
import queue
import re
import shutil
import threading
import time
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.errors import AssistantError
from assistant.settings import Settings

if TYPE_CHECKING:
    from assistant.figures import Figure

# Importing this module must stay cheap: app.py imports it before the page is served, so the
# answer chain, the figure parser (jieba) and the index are imported inside the functions.

log = logging.getLogger(__name__)

BACKENDS = ("extractive", "local", "openai")
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
# The types assistant.ingest.readers.READERS reads (a test keeps the two equal; importing the
# readers here would cost the page's start-up ~0.2 s of charset_normalizer).
UPLOAD_SUFFIXES = (".docx", ".htm", ".html", ".markdown", ".md", ".pdf", ".txt")
EXAMPLE_QUESTIONS = [
    "泰兴市2020年新认定国家高企多少家？",
    "浙江某区2013年研发投入占GDP比重预计达到多少？",
    "上海市2020年新认定高新技术企业多少家？",
]


@cache
def unverified_mark() -> str:
    """The verifier's mark after an unverified figure (``（未核实）``)."""
    from assistant.answer.verify import UNVERIFIED_MARK

    return UNVERIFIED_MARK


@cache
def _tokens() -> re.Pattern[str]:
    return re.compile(r"\[(\d{1,2})\]|" + re.escape(unverified_mark()))

_EXPORT_MAX_AGE_S = 24 * 3600


class UploadError(AssistantError):
    """An upload the page refuses (type, size); the message is shown to the user as is."""


# -- services ------------------------------------------------------------------------------

@dataclass
class Services:
    """The heavy objects, built once: the Answerer (with its Retriever) and the start-up notice.

    They are built after the page is served, so that it paints at once: on the first request
    that needs them (the page's load event, an ``/ask`` call) or ``delay_s`` after ``start()``,
    whichever comes first; a search then warms the query path (jieba, embedder) so the first
    question is quick. Every handler calls ``get()``, which waits until they are ready. When the
    configured backend cannot be built (the local model does not load, an unknown backend name),
    the extractive backend is used instead and ``notice`` says so on the page.
    """

    settings: Settings
    backend: str | None = None
    notice: str = ""
    error: BaseException | None = None
    _answerer: Any = None
    _ready: threading.Event = field(default_factory=threading.Event)
    _kick: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _thread: threading.Thread | None = None

    def start(self, delay_s: float = 0.0, warm_up: bool = True) -> Services:
        def run() -> None:
            self._kick.wait(delay_s)
            self._build(warm_up)

        self._thread = threading.Thread(target=run, name="assistant-build", daemon=True)
        self._thread.start()
        return self

    def _build(self, warm_up: bool) -> None:
        with self._lock:
            if self._ready.is_set():
                return
            try:
                self._answerer = build_answerer(self.settings, self.backend, self)
            except BaseException as exc:  # noqa: BLE001 - re-raised to every handler by get()
                self.error = exc
                log.exception("cannot open the assistant")
            finally:
                self._ready.set()
        if warm_up and self.error is None:  # the first search loads jieba and the embedder's query path
            try:
                self._answerer.retriever.search("科技创新", k=1)
            except Exception as exc:  # an empty or broken index: the page says so on first use
                log.warning("warm-up search failed: %s", exc)

    def get(self, timeout: float = 300) -> Any:
        """The Answerer, built now if it was not yet (in this thread when ``start()`` was never called)."""
        self._kick.set()
        if self._thread is None:
            self._build(warm_up=False)
        if not self._ready.wait(timeout):
            raise AssistantError("助手仍在启动，请稍后再试")
        if self.error is not None:
            raise AssistantError(f"无法打开索引：{self.error}") from self.error
        return self._answerer

    def reload_index(self) -> Any:
        """Show the index as it is after a write (upload, removal, re-index); the retriever."""
        retriever = self.get().retriever
        retriever.refresh()
        return retriever

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    @property
    def retriever(self) -> Any:
        return self.get().retriever


def build_answerer(settings: Settings, backend: str | None, services: Services | None = None) -> Any:
    """An Answerer for ``backend`` (None: from settings); falls back to extractive on failure."""
    from assistant.answer.chain import Answerer
    from assistant.retrieve import Retriever

    retriever = Retriever(settings)
    wanted = backend or settings.resolved_backend()
    try:
        return Answerer(settings, retriever=retriever, backend=wanted)
    except Exception as exc:  # noqa: BLE001 - any failure to build a backend means: answer extractively
        if wanted == "extractive":
            raise
        log.warning("backend %s unavailable (%s); using extractive", wanted, exc)
        if services is not None:
            services.notice = f"{wanted} 后端无法启动（{_first_line(exc)}），已改用抽取式（extractive）回答。"
        return Answerer(settings, retriever=retriever, backend="extractive")


def _first_line(exc: BaseException) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return text[:160]


# -- chat ----------------------------------------------------------------------------------

def plain_history(turns: Iterable[dict[str, Any]]) -> list[dict[str, str]]:
    """Prior turns as the Answerer wants them: ``[{"role", "content"}]`` with plain text content."""
    out = []
    for t in turns:
        role, content = t.get("role"), t.get("content")
        if role in ("user", "assistant") and isinstance(content, str) and content.strip():
            out.append({"role": role, "content": content})
    return out


_DONE = object()


def stream_answer(
    answerer: Any, question: str, history: list[dict[str, str]] | None = None, filters: Any = None,
    draft: bool = False, poll_s: float = 0.1,
) -> Iterator[tuple[str, dict[str, Any] | None]]:
    """Run ``ask`` (or ``draft``) in a worker thread and yield ``(text so far, None)`` as tokens
    arrive, then ``(final text, answer dict)`` once: the verified answer replaces the stream."""
    tokens: queue.Queue[object] = queue.Queue()
    result: dict[str, Any] = {}

    def work() -> None:
        try:
            if draft:
                result["answer"] = answerer.draft(question, filters=filters, on_token=tokens.put)
            else:
                result["answer"] = answerer.ask(question, history=history, filters=filters, on_token=tokens.put)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            result["error"] = exc
        finally:
            tokens.put(_DONE)

    threading.Thread(target=work, name="assistant-answer", daemon=True).start()
    text, done = "", False
    while not done:
        try:
            item = tokens.get(timeout=poll_s)
        except queue.Empty:
            continue
        batch = [item]
        while True:  # take everything already there: one page update per batch, not per token
            try:
                batch.append(tokens.get_nowait())
            except queue.Empty:
                break
        done = _DONE in batch
        new = "".join(str(t) for t in batch if t is not _DONE)
        if new:
            text += new
            yield text, None
    if "error" in result:
        raise result["error"]
    answer = result["answer"]
    yield answer.answer, answer.to_json()


# -- HTML ----------------------------------------------------------------------------------

UNVERIFIED_STYLE = "color:#c62828;font-weight:600"
# For the chat bubble: HTML's special characters, and those Markdown (or the chat's LaTeX) would
# interpret, written as numeric entities (in one pass, so no entity is escaped twice).
_CHAT_ENTITIES = {ord(c): f"&#{ord(c)};" for c in "&<>\"'\\`*_{}[]()#+-!|~$"}


def escape(text: str) -> str:
    """HTML-escape (quotes included)."""
    return html.escape(text, quote=True)


def escape_chat(text: str) -> str:
    """Escape for the chat bubble, which renders Markdown and then sanitized HTML: nothing in
    ``text`` may become markup there, neither HTML nor Markdown nor LaTeX."""
    return text.translate(_CHAT_ENTITIES)


def _anchor(turn: int | str, n: int) -> str:
    return f"src-{turn}-{n}"


def render_answer_text(text: str, turn: int | str = 0, markdown: bool = True) -> str:
    """The answer as HTML: escaped, ``[n]`` as links to the source panel's passage ``n``, and
    the verifier's unverified mark in red. ``markdown``: also neutralize Markdown (chat bubbles)."""
    esc = escape_chat if markdown else escape
    mark = unverified_mark()
    out: list[str] = []
    pos = 0
    for m in _tokens().finditer(text):
        out.append(esc(text[pos:m.start()]))
        if m.group(1):
            n = int(m.group(1))
            out.append(f'<a class="cite" href="#{_anchor(turn, n)}" title="来源 {n}">&#91;{n}&#93;</a>')
        else:
            out.append(f'<span class="unverified" style="{UNVERIFIED_STYLE}" title="该数字未能在所引段落中核实">{mark}</span>')
        pos = m.end()
    out.append(esc(text[pos:]))
    return "".join(out).replace("\n", "<br>" if not markdown else "\n")


def render_streaming(text: str) -> str:
    """A partial answer while tokens arrive (escaped; citations not yet linked)."""
    return escape_chat(text) + " ▌"


def answer_status(answer: dict[str, Any]) -> str:
    """One line under the chat: backend, time, figures checked, and any fallback notice."""
    figures = answer.get("figures") or []
    verified = sum(1 for f in figures if f.get("verified"))
    seconds = (answer.get("timings") or {}).get("total_ms", 0) / 1000
    parts = [f"后端：<b>{escape(answer.get('backend', ''))}</b>", f"用时 {seconds:.1f} 秒"]
    if figures:
        parts.append(f"数字核实 {verified}/{len(figures)}")
    if answer.get("refused"):
        parts.append("资料中没有答案")
    line = " · ".join(parts)
    if answer.get("notice"):
        line += f'<div class="notice" role="status">⚠️ {escape(answer["notice"])}</div>'
    return f'<div class="answer-status">{line}</div>'


def backend_banner(backend: str, notice: str = "") -> str:
    """The header line: the active backend, and the start-up fallback notice if there was one."""
    out = f'<div class="backend-line">回答后端：<b>{escape(backend)}</b></div>'
    if notice:
        out += f'<div class="notice banner" role="alert">⚠️ {escape(notice)}</div>'
    return out


def _answer_figures(answer: dict[str, Any]) -> list[Figure]:
    """The answer's figures, parsed again from their text so they compare by value."""
    from assistant.figures import extract_figures

    out = []
    for f in answer.get("figures") or []:
        parsed = [x for x in extract_figures(str(f.get("text", ""))) if not x.is_year]
        out.extend(parsed[:1])
    return out


def highlight(text: str, figures: list[Figure]) -> str:
    """``text`` escaped, with every figure equal in value to one of ``figures`` in ``<mark>``."""
    from assistant.figures import extract_figures, figure_in

    mark = unverified_mark()
    spans = [
        (f.start, f.end) for f in extract_figures(text)
        if not f.is_year and any(figure_in(wanted, f.text) for wanted in figures)
    ]
    out, pos = [], 0
    for start, end in spans:
        if start < pos:
            continue
        out.append(escape(text[pos:start]))
        out.append(f"<mark>{escape(text[start:end])}</mark>")
        pos = end
    out.append(escape(text[pos:]))
    return "".join(out).replace(mark, f'<span class="unverified" style="{UNVERIFIED_STYLE}">{mark}</span>')


def _years(years: Iterable[Any]) -> str:
    return "、".join(f"{y}年" for y in years) or "—"


def render_sources(answer: dict[str, Any] | None, turn: int | str = 0) -> str:
    """The source panel: each cited passage with title, region, years, section and file, the
    answer's figures highlighted inside it."""
    if not answer:
        return '<div class="sources empty">提问后，这里显示回答所引用的原文段落。</div>'
    citations = answer.get("citations") or []
    if not citations:
        why = "资料中没有可支持回答的段落。" if answer.get("refused") else "回答没有引用任何段落。"
        return f'<div class="sources empty">{why}</div>'
    figures = _answer_figures(answer)
    parts = ['<div class="sources"><div class="sources-title">引用来源</div>']
    for c in sorted(citations, key=lambda c: c["n"]):
        n = int(c["n"])
        meta = " · ".join(escape(x) for x in (c.get("region") or "—", _years(c.get("years") or ()), c.get("section") or "—"))
        parts.append(
            f'<div class="source" id="{_anchor(turn, n)}">'
            f'<div class="source-head"><span class="source-n">[{n}]</span> '
            f'<span class="source-title">{escape(c.get("title") or c.get("source", ""))}</span></div>'
            f'<div class="source-meta">{meta}</div>'
            f'<div class="source-file">{escape(c.get("source", ""))}</div>'
            f'<div class="source-text">{highlight(c.get("text", ""), figures)}</div></div>'
        )
    parts.append("</div>")
    return "".join(parts)


def render_draft(answer: dict[str, Any], turn: int | str = "draft") -> str:
    """A drafted paragraph with its numbered reference list, as HTML."""
    body = render_answer_text(answer.get("answer", ""), turn, markdown=False)
    numbers = sorted(c["n"] for c in answer.get("citations") or [])
    refs = "".join(f'<li id="{_anchor(turn, n)}">{escape(line)}</li>' for n, line in zip(numbers, reference_lines(answer)))
    out = f'<div class="draft"><p class="draft-text">{body}</p>'
    if answer.get("notice"):
        out += f'<div class="notice">⚠️ {escape(answer["notice"])}</div>'
    if refs:
        out += f'<div class="sources-title">参考资料</div><ul class="refs">{refs}</ul>'
    return out + "</div>"


# -- export --------------------------------------------------------------------------------

def reference_lines(answer: dict[str, Any]) -> list[str]:
    """``[n] 《title》（region，years）source · section`` per citation, by number."""
    lines = []
    for c in sorted(answer.get("citations") or [], key=lambda c: c["n"]):
        years = "、".join(str(y) for y in c.get("years") or ())
        where = "，".join(x for x in (c.get("region") or "", years and f"{years}年") if x)
        title = c.get("title") or c.get("source", "")
        lines.append(f"[{c['n']}] 《{title}》{f'（{where}）' if where else ''}{c.get('source', '')} · {c.get('section') or '—'}")
    return lines


def _md(text: str) -> str:
    """Plain text for a Markdown file: readable as is, and no raw HTML when rendered."""
    return text.replace("\\", "\\\\").replace("<", "\\<")


def answer_markdown(answer: dict[str, Any], heading: str | None = None) -> str:
    """The answer with its references (and the cited passages) as Markdown."""
    lines = [f"# {_md(heading or answer.get('question', ''))}", "", _md(answer.get("answer", "")), ""]
    if answer.get("notice"):
        lines += [f"> 注意：{_md(answer['notice'])}", ""]
    refs = reference_lines(answer)
    if refs:
        lines += ["## 参考资料", ""]
        by_n = {c["n"]: c for c in answer.get("citations") or []}
        for line, n in zip(refs, sorted(by_n)):
            lines.append(f"- {_md(line)}")
            quote = " ".join(by_n[n].get("text", "").split())
            if quote:
                lines.append(f"  > {_md(quote)}")
        lines.append("")
    lines.append(f"_后端：{_md(answer.get('backend', ''))}_")
    return "\n".join(lines) + "\n"


def exports_dir(settings: Settings) -> Path:
    path = settings.data_dir / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _export_path(settings: Settings, stem: str, suffix: str) -> Path:
    folder = exports_dir(settings)
    cutoff = time.time() - _EXPORT_MAX_AGE_S
    for old in folder.iterdir():  # exports are one-shot downloads: drop yesterday's
        try:
            if old.is_file() and old.stat().st_mtime < cutoff:
                old.unlink()
        except OSError:
            pass
    return folder / f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}-{uuid.uuid4().hex[:6]}{suffix}"


def export_markdown(settings: Settings, answer: dict[str, Any], stem: str = "answer", heading: str | None = None) -> Path:
    path = _export_path(settings, stem, ".md")
    path.write_text(answer_markdown(answer, heading), encoding="utf-8")
    return path


def export_docx(settings: Settings, answer: dict[str, Any], stem: str = "draft", heading: str | None = None) -> Path:
    """The paragraph (unverified marks in red) and its reference list as a Word document."""
    from docx import Document
    from docx.shared import RGBColor

    doc = Document()
    doc.add_heading(heading or answer.get("question", ""), level=1)
    paragraph = doc.add_paragraph()
    text, mark = answer.get("answer", ""), unverified_mark()
    for i, piece in enumerate(text.split(mark)):
        if i:
            run = paragraph.add_run(mark)
            run.font.color.rgb = RGBColor(0xC6, 0x28, 0x28)
            run.bold = True
        if piece:
            paragraph.add_run(piece)
    if answer.get("notice"):
        doc.add_paragraph(f"注意：{answer['notice']}")
    refs = reference_lines(answer)
    if refs:
        doc.add_heading("参考资料", level=2)
        for line in refs:
            doc.add_paragraph(line)
    path = _export_path(settings, stem, ".docx")
    doc.save(str(path))
    return path


# -- uploads -------------------------------------------------------------------------------

_UNSAFE = re.compile(r"[^\w\u3000-\u303f\uff00-\uffef.()（）\-]+")


def sanitize_filename(name: str, default: str = "upload") -> str:
    """A safe file name: no folders (``/`` or ``\\``), no leading dots, no control or shell
    characters; letters of any script (Chinese included), digits, ``. _ - ( )`` are kept."""
    name = unicodedata.normalize("NFC", str(name))
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    name = _UNSAFE.sub("_", name.strip())
    name = re.sub(r"_+", "_", name).lstrip("._-").rstrip(". ")
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    stem = stem.strip("._") or default
    suffix = f".{suffix.lower()}" if suffix else ""
    if len(stem) > 120:
        stem = stem[:120]
    return f"{stem}{suffix}"


def uploads_dir(settings: Settings) -> Path:
    return settings.data_dir / "uploads"


def upload_target(settings: Settings, name: str) -> Path:
    """Where an upload called ``name`` is stored: always directly inside the uploads folder."""
    folder = uploads_dir(settings).resolve()
    target = (folder / sanitize_filename(name)).resolve()
    if target.parent != folder:  # cannot happen after sanitizing; checked anyway
        raise UploadError(f"不安全的文件名：{name}")
    return target


def check_upload(path: Path, name: str | None = None) -> None:
    """Raise :class:`UploadError` for a file type the index cannot read or a file over 20 MB."""
    shown = name or path.name
    suffix = Path(sanitize_filename(shown)).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise UploadError(f"不支持的文件类型：{shown}（支持 {'、'.join(UPLOAD_SUFFIXES)}）")
    size = path.stat().st_size
    if size > MAX_UPLOAD_BYTES:
        raise UploadError(f"文件过大：{shown} 为 {size / 1024 / 1024:.1f} MB，单个文件上限 {MAX_UPLOAD_BYTES // 1024 // 1024} MB")
    if size == 0:
        raise UploadError(f"文件为空：{shown}")


def store_uploads(settings: Settings, files: Iterable[str | Path | tuple[str | Path, str]]) -> list[Path]:
    """Check every file first (nothing is stored if one is refused), then copy each into the
    uploads folder under its sanitized name. An item is a path, or ``(path, original name)``."""
    items = [(Path(f[0]), f[1]) if isinstance(f, tuple) else (Path(f), Path(f).name) for f in files]
    if not items:
        raise UploadError("请先选择要上传的文件")
    for path, name in items:
        check_upload(path, name)
    uploads_dir(settings).mkdir(parents=True, exist_ok=True)
    stored = []
    for path, name in items:
        target = upload_target(settings, name)
        shutil.copyfile(path, target)
        stored.append(target)
    return stored


@dataclass
class IngestOutcome:
    """An ingest over several files: the merged report and which files were indexed or unchanged."""

    report: Any
    indexed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def ingest_files(settings: Settings, paths: list[Path], on_file: Callable[[int, int, str], None] | None = None) -> IngestOutcome:
    """Ingest ``paths`` one by one (so progress can be shown) and merge the reports."""
    from assistant.ingest.pipeline import IngestReport, ingest

    total = IngestReport()
    outcome = IngestOutcome(total)
    start = time.perf_counter()
    for i, path in enumerate(paths):
        if on_file:
            on_file(i, len(paths), path.name)
        report = ingest(settings, [path], progress=False)
        total.documents += report.documents
        total.chunks += report.chunks
        total.skipped += report.skipped
        total.failed.extend(report.failed)
        for k, v in report.timings.items():
            total.timings[k] = total.timings.get(k, 0.0) + v
        if report.documents:
            outcome.indexed.append(path.name)
        elif report.skipped:
            outcome.skipped.append(path.name)
    total.seconds = time.perf_counter() - start
    return outcome


def reindex(settings: Settings, folders: list[Path]) -> IngestOutcome:
    """Ingest whole folders in one run (one BM25 rebuild; unchanged files are skipped quickly)."""
    from assistant.ingest.pipeline import ingest

    return IngestOutcome(ingest(settings, [f for f in folders if f.is_dir()], progress=False))


def _names(names: list[str], limit: int = 10) -> str:
    shown = "、".join(escape(n) for n in names[:limit])
    return shown + (f" 等 {len(names)} 个" if len(names) > limit else "")


def ingest_summary(outcome: IngestOutcome) -> str:
    """One HTML block: indexed / unchanged / failed, by file name (failures with their reasons)."""
    report = outcome.report
    line = (f"已索引 <b>{report.documents}</b> 个文档（{report.chunks} 个段落），"
            f"未变化跳过 <b>{report.skipped}</b> 个，失败 <b>{len(report.failed)}</b> 个；用时 {report.seconds:.1f} 秒。")
    if outcome.indexed:
        line += f"<div>已索引：{_names(outcome.indexed)}</div>"
    if outcome.skipped:
        line += f"<div>未变化：{_names(outcome.skipped)}</div>"
    if report.failed:
        line += "<ul class='failed'>" + "".join(f"<li>{escape(n)}：{escape(r)}</li>" for n, r in report.failed) + "</ul>"
    return f'<div class="ingest-report">{line}</div>'


def remove_upload_file(settings: Settings, source: str) -> bool:
    """Delete the stored upload of a removed document (never anything outside the uploads folder)."""
    folder = uploads_dir(settings).resolve()
    target = (folder / Path(source).name).resolve()
    if target.parent == folder and target.is_file():
        target.unlink()
        return True
    return False


# -- tables --------------------------------------------------------------------------------

DOCUMENT_COLUMNS = ["文件 source", "标题 title", "地区 region", "年份 years", "类型 doc_type", "段落 chunks"]


def document_rows(documents: list[dict[str, Any]]) -> list[list[Any]]:
    """Rows for the documents table (as plain text: the table never renders markup)."""
    rows = []
    for d in documents:
        years = d.get("years")
        years = "、".join(map(str, years)) if isinstance(years, list) else str(years or "")
        rows.append([d.get("source", ""), d.get("title", ""), d.get("region", ""), years, d.get("doc_type", ""), int(d.get("chunks", 0) or 0)])
    return rows


def filter_choices(documents: list[dict[str, Any]], regions: list[str]) -> dict[str, list[Any]]:
    """Choices for the chat filters: regions, years and document file names."""
    years = sorted({int(y) for d in documents for y in (d.get("years") or []) if isinstance(y, int)})
    return {"regions": list(regions), "years": years, "documents": [d.get("source", "") for d in documents]}


METRIC_COLUMNS = ["指标 metric", "值 value", "门槛 gate", "结果 result"]
FAILURE_COLUMNS = ["id", "类型 kind", "问题 question", "期望 expected", "缺少 missing", "回答 answer"]


def _fmt(value: Any) -> Any:
    if value is None:
        return "—"
    return round(value, 4) if isinstance(value, float) else value


def eval_tables(report: dict[str, Any]) -> tuple[list[list[Any]], Any, list[list[Any]]]:
    """The evaluation as (metrics rows, per-kind accuracy DataFrame, failure rows)."""
    import pandas as pd

    metrics = []
    for name, value in report.get("metrics", {}).items():
        gate = report.get("gates", {}).get(name)
        metrics.append([name, _fmt(value), gate["rule"] if gate else "", ("通过" if gate["ok"] else "未通过") if gate else ""])
    kinds = pd.DataFrame(
        [{"kind": k, "accuracy": float(r.get("accuracy") or 0.0), "n": int(r.get("n", 0))} for k, r in report.get("by_kind", {}).items()],
        columns=["kind", "accuracy", "n"],
    )
    failures = [
        [r["id"], r["kind"], r["question"], "、".join(r.get("expected") or []) or "（应拒答）", "、".join(r.get("missing") or []) or "—",
         ("（拒答）" if r.get("refused") else "") + r.get("answer", "")]
        for r in report.get("items", []) if not r.get("ok")
    ]
    return metrics, kinds, failures


def eval_summary(report: dict[str, Any]) -> str:
    failed = [k for k, g in report.get("gates", {}).items() if not g["ok"]]
    verdict = "全部门槛通过" if report.get("passed") else f"未通过的门槛：{'、'.join(failed)}"
    items = report.get("metrics", {}).get("items", 0)
    return (f'<div class="eval-summary">后端 <b>{escape(str(report.get("backend", "")))}</b> · {items} 题 · '
            f'{report.get("seconds", 0)} 秒 · {escape(verdict)}</div>')


def env_auth() -> tuple[str, str] | None:
    """``ASSISTANT_AUTH="user:password"`` → ``(user, password)`` for basic auth, else None."""
    raw = os.environ.get("ASSISTANT_AUTH", "")
    if not raw:
        return None
    user, sep, password = raw.partition(":")
    if not sep or not user or not password:
        raise AssistantError('ASSISTANT_AUTH must look like "user:password"')
    return user, password
