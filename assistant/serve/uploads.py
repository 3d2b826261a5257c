"""Uploads: type and size limits, sanitized names under the data folder, ingest and removal."""

from __future__ import annotations

import re
import shutil
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError
from assistant.serve.render import escape
from assistant.settings import Settings

# The types assistant.ingest.readers.READERS reads (a test keeps the two equal; importing the
# readers here would cost the page's start-up ~0.2 s of charset_normalizer).
UPLOAD_SUFFIXES = (
    ".csv",
    ".docx",
    ".htm",
    ".html",
    ".jpeg",
    ".jpg",
    ".markdown",
    ".md",
    ".pdf",
    ".png",
    ".txt",
    ".xls",
    ".xlsm",
    ".xlsx",
)


class UploadError(AssistantError):
    """An upload the page refuses (type, size); the message is shown to the user as is."""


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


UPLOADS = "uploads"  # the folder the page's uploads are listed under


def upload_target(settings: Settings, name: str) -> Path:
    """Where an upload called ``name`` is stored: always directly inside the uploads folder."""
    folder = settings.uploads_dir.resolve()
    target = (folder / sanitize_filename(name)).resolve()
    if target.parent != folder:  # cannot happen after sanitizing; checked anyway
        raise UploadError(f"不安全的文件名：{name}")
    return target


def check_upload(path: Path, max_bytes: int, name: str | None = None) -> None:
    """Raise :class:`UploadError` for a file type the index cannot read or a file over ``max_bytes``
    (the ``max_upload_mb`` setting)."""
    shown = name or path.name
    suffix = Path(sanitize_filename(shown)).suffix.lower()
    if suffix not in UPLOAD_SUFFIXES:
        raise UploadError(f"不支持的文件类型：{shown}（支持 {'、'.join(UPLOAD_SUFFIXES)}）")
    size = path.stat().st_size
    if size > max_bytes:
        limit = f"{max_bytes / 1024 / 1024:g} MB"
        raise UploadError(f"文件过大：{shown} 为 {size / 1024 / 1024:.1f} MB，单个文件上限 {limit}")
    if size == 0:
        raise UploadError(f"文件为空：{shown}")


def store_uploads(settings: Settings, files: Iterable[str | Path | tuple[str | Path, str]]) -> list[Path]:
    """Check every file first (nothing is stored if one is refused), then copy each into the
    uploads folder under its sanitized name. An item is a path, or ``(path, original name)``.

    The index knows a document by its file name, so an upload may not take the name of a shipped
    document in ``knowledge/`` (it would silently replace it until the next re-index), nor share
    one with another file of the same upload. Re-uploading an earlier upload's name updates it."""
    items = [(Path(f[0]), f[1]) if isinstance(f, tuple) else (Path(f), Path(f).name) for f in files]
    if not items:
        raise UploadError("请先选择要上传的文件")
    for path, name in items:
        check_upload(path, settings.max_upload_bytes, name)
    names = [sanitize_filename(name) for _, name in items]
    shipped = {p.name for p in settings.knowledge_dir.iterdir()} if settings.knowledge_dir.is_dir() else set()
    if clash := next((n for n in names if n in shipped), None):
        raise UploadError(f"知识库自带同名文档：{clash}。上传会顶替它，请改名后再上传")
    if twice := next((n for n in names if names.count(n) > 1), None):
        raise UploadError(f"这次上传中有两个文件同名：{twice}")
    settings.uploads_dir.mkdir(parents=True, exist_ok=True)
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


def ingest_files(
    settings: Settings, paths: list[Path], on_file: Callable[[int, int, str], None] | None = None
) -> IngestOutcome:
    """Ingest uploads ``paths`` one by one (so progress can be shown) and merge the reports; they
    are listed in a folder of their own (``uploads/报告.pdf``), apart from ``knowledge/``."""
    from assistant.ingest.identity import Root
    from assistant.ingest.pipeline import ingest
    from assistant.ingest.report import IngestReport

    total = IngestReport()
    outcome = IngestOutcome(total)
    start = time.perf_counter()
    for i, path in enumerate(paths):
        if on_file:
            on_file(i, len(paths), path.name)
        report = ingest(parsing_in_a_child(settings), [Root(path, UPLOADS)], progress=False)
        total.documents += report.documents
        total.chunks += report.chunks
        total.skipped += report.skipped
        total.failed.extend(report.failed)
        total.replaced.extend(report.replaced)
        total.kept.extend(report.kept)
        total.renamed.extend(report.renamed)
        total.suspicious.extend(report.suspicious)
        for k, v in report.timings.items():
            total.timings[k] = total.timings.get(k, 0.0) + v
        if report.documents:
            outcome.indexed.append(path.name)
        elif report.skipped:
            outcome.skipped.append(path.name)
    total.seconds = time.perf_counter() - start
    return outcome


def reindex(settings: Settings, folders: list[Path]) -> IngestOutcome:
    """Ingest whole folders in one run (one BM25 rebuild; unchanged files are skipped quickly); the
    uploads folder's files are listed under ``uploads/``, as when they were uploaded."""
    from assistant.ingest.identity import Root
    from assistant.ingest.pipeline import ingest

    uploads = settings.uploads_dir.resolve()
    roots = [Root(f, UPLOADS) if f.resolve() == uploads else Root(f) for f in folders if f.is_dir()]
    return IngestOutcome(ingest(parsing_in_a_child(settings), roots, progress=False))


def parsing_in_a_child(settings: Settings) -> Settings:
    """The page never parses a file itself: a zip bomb or a PDF that expands without bound would
    take every user's session with it. Its ingests read each file in a child process capped at
    ``ingest.page_parse_memory_mb`` (:mod:`assistant.ingest.worker`)."""
    capped = settings.ingest.parse_memory_mb or settings.ingest.page_parse_memory_mb
    return settings.model_copy(update={"ingest": settings.ingest.model_copy(update={"parse_memory_mb": capped})})


def _names(names: list[str], limit: int = 10) -> str:
    shown = "、".join(escape(n) for n in names[:limit])
    return shown + (f" 等 {len(names)} 个" if len(names) > limit else "")


def ingest_summary(outcome: IngestOutcome) -> str:
    """One HTML block: indexed / unchanged / failed, by file name (failures with their reasons)."""
    report = outcome.report
    line = (
        f"已索引 <b>{report.documents}</b> 个文档（{report.chunks} 个段落），"
        f"未变化跳过 <b>{report.skipped}</b> 个，失败 <b>{len(report.failed)}</b> 个；用时 {report.seconds:.1f} 秒。"
    )
    if outcome.indexed:
        line += f"<div>已索引：{_names(outcome.indexed)}</div>"
    if outcome.skipped:
        line += f"<div>未变化：{_names(outcome.skipped)}</div>"
    if report.suspicious:
        line += "".join(
            f"<div class='notice'>⚠ {escape(n)} 含 {k} 处疑似指令（针对读者或模型的指示），已隔离：不作为依据，"
            "不发送给模型</div>"
            for n, k in report.suspicious
        )
    if report.hidden:
        line += f"<div class='notice'>未索引隐藏文件（文件名以“.”开头）：{_names(report.hidden)}</div>"
    if report.replaced:
        line += "".join(
            f"<div class='notice'>{escape(n)} 取代了同路径的旧文档 {escape(o)}（文档按所在文件夹与文件名区分）</div>"
            for n, o in report.replaced
        )
    if report.kept:
        line += "".join(
            f"<div class='notice'>{escape(n)} 未更新：已索引的 {escape(k)} 比 {escape(o)} 新</div>"
            for n, o, k in report.kept
        )
    if report.failed:
        line += (
            "<ul class='failed'>" + "".join(f"<li>{escape(n)}：{escape(r)}</li>" for n, r in report.failed) + "</ul>"
        )
    return f'<div class="ingest-report">{line}</div>'


def refusal_note(message: str) -> str:
    """A refused upload, said in the report area: raising gr.Error instead would put an error overlay
    on every Knowledge output and blank the documents table, though nothing in the index changed."""
    return f'<div class="ingest-report failed" role="alert">未上传：{escape(message)}</div>'


def remove_upload_file(settings: Settings, source: str) -> bool:
    """Delete the stored upload of a removed document, listed as ``uploads/<name>`` (or by its name
    alone in an index older than folders); never anything outside the uploads folder."""
    folder_part = str(Path(source).parent)
    if folder_part not in (".", UPLOADS):
        return False
    folder = settings.uploads_dir.resolve()
    target = (folder / Path(source).name).resolve()
    if target.parent == folder and target.is_file():
        target.unlink()
        return True
    return False
