"""HTML for answers, sources and drafts. Every text from a document or an answer is escaped here
before it is wrapped in markup: a document containing ``<script>`` must show as text, never run."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.language.figures import Figure


@cache
def unverified_mark() -> str:
    """The verifier's mark after an unverified figure (``（未核实）``)."""
    from assistant.answer.verify import UNVERIFIED_MARK

    return UNVERIFIED_MARK


@cache
def _tokens() -> re.Pattern[str]:
    """A citation [n] (the verifier's pattern) or the unverified mark."""
    from assistant.answer.verify import CITATION

    return re.compile(CITATION.pattern + "|" + re.escape(unverified_mark()))


UNVERIFIED_STYLE = "color:#c62828;font-weight:600"
# A passage read by OCR from a scan or an image may hold misread characters: the source panel says so.
OCR_NOTE = "此段由扫描件或图片经文字识别（OCR）得到，可能有识别错误，请对照原件"
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
        out.append(esc(text[pos : m.start()]))
        if m.group(1):
            n = int(m.group(1))
            out.append(f'<a class="cite" href="#{_anchor(turn, n)}" title="来源 {n}">&#91;{n}&#93;</a>')
        else:
            out.append(
                f'<span class="unverified" style="{UNVERIFIED_STYLE}" title="该数字未能在所引段落中核实">{mark}</span>'
            )
        pos = m.end()
    out.append(esc(text[pos:]))
    return "".join(out).replace("\n", "<br>" if not markdown else "\n")


def render_streaming(text: str) -> str:
    """A partial answer while tokens arrive (escaped; citations not yet linked)."""
    return escape_chat(text) + " ▌"


def answer_status(answer: dict[str, Any]) -> str:
    """One line under the chat: backend, time, figures checked; then how a follow-up was read (so
    the user can see which place, year and indicator were carried over) and any fallback notice."""
    figures = answer.get("figures") or []
    verified = sum(1 for f in figures if f.get("verified"))
    seconds = (answer.get("timings") or {}).get("total_ms", 0) / 1000
    parts = [f"后端：<b>{escape(answer.get('backend', ''))}</b>", f"用时 {seconds:.1f} 秒"]
    if figures:
        parts.append(f"数字核实 {verified}/{len(figures)}")
    if answer.get("refused"):
        parts.append("资料中没有答案")
    line = " · ".join(parts)
    standalone = answer.get("standalone_question") or ""
    if standalone and standalone != answer.get("question"):  # a follow-up: show how it was read
        line += f'<div class="understood">理解为：{escape(standalone)}</div>'
    if answer.get("notice"):
        line += f'<div class="notice" role="status">⚠️ {escape(answer["notice"])}</div>'
    return f'<div class="answer-status">{line}{render_parts(answer)}</div>'


def render_parts(answer: dict[str, Any]) -> str:
    """A question of several parts: each part's claim, whether it was answered (with its sources)
    or why not, and any figure computed from them, marked as computed ("" for a one-part question)."""
    parts = answer.get("parts") or []
    if not parts:
        return ""
    rows = []
    for p in parts:
        if p.get("status") == "answered":
            cites = "".join(f"[{n}]" for n in p.get("citations") or [])
            state = f'<span class="part-ok">已回答</span> {escape(cites)}'
        else:
            state = f'<span class="part-no">未能回答</span>：{escape(p.get("reason", ""))}'
        rows.append(f"<li>{escape(p.get('claim', ''))} — {state}</li>")
    rows += [
        f'<li class="part-computed">计算所得（非资料原文）：{escape(c.get("text", ""))}</li>'
        for c in answer.get("computed") or []
    ]
    return f'<div class="parts">问题的{len(parts)}个部分：<ol>{"".join(rows)}</ol></div>'


def backend_banner(backend: str, notice: str = "") -> str:
    """The header line: the active backend, and the start-up fallback notice if there was one."""
    out = f'<div class="backend-line">回答后端：<b>{escape(backend)}</b></div>'
    if notice:
        out += f'<div class="notice banner" role="alert">⚠️ {escape(notice)}</div>'
    return out


def _answer_figures(answer: dict[str, Any]) -> list[Figure]:
    """The answer's figures, parsed again from their text so they compare by value."""
    from assistant.language.figures import extract_figures

    out = []
    for f in answer.get("figures") or []:
        parsed = [x for x in extract_figures(str(f.get("text", ""))) if not x.is_year]
        out.extend(parsed[:1])
    return out


def highlight(text: str, figures: list[Figure]) -> str:
    """``text`` escaped, with every figure equal in value to one of ``figures`` in ``<mark>``."""
    from assistant.language.figures import extract_figures, figure_in

    mark = unverified_mark()
    spans = [
        (f.start, f.end)
        for f in extract_figures(text)
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


def render_row(citation: dict[str, Any], figures: list[Figure]) -> str:
    """A cited table row as a small table: the row label and each column header with its unit over
    the values, the cells holding one of the answer's figures highlighted."""
    from assistant.language.figures import figure_in

    columns = citation.get("columns") or []
    head = "".join(
        f"<th>{escape(c['header'])}{escape('（' + c['unit'] + '）') if c.get('unit') else ''}</th>" for c in columns
    )
    cells = []
    for c in columns:
        as_written = f"（{c['unit']}）{c['value']}" if c.get("unit") else str(c["value"])
        cited = any(figure_in(wanted, as_written) for wanted in figures)
        value = escape(str(c["value"]))
        cells.append(f'<td class="cited-cell"><mark>{value}</mark></td>' if cited else f"<td>{value}</td>")
    return (
        f'<table class="source-row"><thead><tr><th></th>{head}</tr></thead>'
        f"<tbody><tr><th>{escape(citation.get('row_label', ''))}</th>{''.join(cells)}</tr></tbody></table>"
    )


def _source_body(citation: dict[str, Any], figures: list[Figure]) -> str:
    """The passage (a table row as a table), then the text as written where normalization changed it."""
    if citation.get("kind") == "table_row" and citation.get("columns"):
        body = render_row(citation, figures)
    else:
        body = f'<div class="source-text">{highlight(citation.get("text", ""), figures)}</div>'
    if citation.get("original"):
        body += f'<div class="source-original">原文：{escape(citation["original"])}</div>'
    return body


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
        meta = " · ".join(
            escape(x) for x in (c.get("region") or "—", _years(c.get("years") or ()), c.get("section") or "—")
        )
        if c.get("ocr"):
            meta += f' <span class="ocr-label" title="{OCR_NOTE}">OCR识别</span>'
        parts.append(
            f'<div class="source" id="{_anchor(turn, n)}">'
            f'<div class="source-head"><span class="source-n">[{n}]</span> '
            f'<span class="source-title">{escape(c.get("title") or c.get("source", ""))}</span></div>'
            f'<div class="source-meta">{meta}</div>'
            f'<div class="source-file">{escape(c.get("source", ""))}</div>'
            f"{_source_body(c, figures)}</div>"
        )
    parts.append("</div>")
    return "".join(parts)


def render_draft(answer: dict[str, Any], turn: int | str = "draft") -> str:
    """A drafted paragraph with its numbered reference list, as HTML."""
    body = render_answer_text(answer.get("answer", ""), turn, markdown=False)
    numbers = sorted(c["n"] for c in answer.get("citations") or [])
    refs = "".join(
        f'<li id="{_anchor(turn, n)}">{escape(line)}</li>' for n, line in zip(numbers, reference_lines(answer))
    )
    out = f'<div class="draft"><p class="draft-text">{body}</p>'
    if answer.get("notice"):
        out += f'<div class="notice">⚠️ {escape(answer["notice"])}</div>'
    if refs:
        out += f'<div class="sources-title">参考资料</div><ul class="refs">{refs}</ul>'
    return out + "</div>"


def reference_lines(answer: dict[str, Any]) -> list[str]:
    """``[n] 《title》（region，years）source · section`` per citation, by number."""
    lines = []
    for c in sorted(answer.get("citations") or [], key=lambda c: c["n"]):
        years = "、".join(str(y) for y in c.get("years") or ())
        where = "，".join(x for x in (c.get("region") or "", years and f"{years}年") if x)
        title = c.get("title") or c.get("source", "")
        lines.append(
            f"[{c['n']}] 《{title}》{f'（{where}）' if where else ''}{c.get('source', '')} · {c.get('section') or '—'}"
        )
    return lines
