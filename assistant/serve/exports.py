"""Answers and drafts exported as Markdown and DOCX, with their reference lists."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

from assistant.serve.render import reference_lines, unverified_mark
from assistant.settings import Settings

_EXPORT_MAX_AGE_S = 24 * 3600


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


def export_markdown(
    settings: Settings, answer: dict[str, Any], stem: str = "answer", heading: str | None = None
) -> Path:
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
    if refs:  # an end list, numbered as the [n] marks, each with the original passage it cites
        doc.add_heading("参考资料", level=2)
        by_n = {c["n"]: c for c in answer.get("citations") or []}
        for line, n in zip(refs, sorted(by_n)):
            doc.add_paragraph(line)
            quote = " ".join(by_n[n].get("text", "").split())
            if quote:
                doc.add_paragraph(quote, style="Quote")
    path = _export_path(settings, stem, ".docx")
    doc.save(str(path))
    return path
