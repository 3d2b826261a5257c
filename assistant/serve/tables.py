"""Tables the page shows: documents, filter choices, evaluation metrics and failures; basic auth."""

from __future__ import annotations

from typing import Any

from assistant.errors import AssistantError
from assistant.serve.render import escape

DOCUMENT_COLUMNS = [
    "文件 source",
    "标题 title",
    "地区 region",
    "年份 years",
    "类型 doc_type",
    "段落 chunks",
    "提示 notes",
]


def document_rows(documents: list[dict[str, Any]]) -> list[list[Any]]:
    """Rows for the documents table (as plain text: the table never renders markup)."""
    rows = []
    for d in documents:
        years = d.get("years")
        years = "、".join(map(str, years)) if isinstance(years, list) else str(years or "")
        rows.append(
            [
                d.get("source", ""),
                d.get("title", ""),
                d.get("region", ""),
                years,
                d.get("doc_type", ""),
                int(d.get("chunks", 0) or 0),
                document_notes(d),
            ]
        )
    return rows


def document_notes(document: dict[str, Any]) -> str:
    """What a user must know about a document: planted instructions (kept out of answers), or an
    ingest that was interrupted (its chunks are not searchable until a re-index completes it)."""
    notes = []
    if document.get("status", "complete") != "complete":
        notes.append("未完成：索引中断，尚不可检索，重新索引即可补全")
    if document.get("suspicious"):
        notes.append(f"⚠ 含 {document['suspicious']} 处疑似指令（已隔离，不作为依据，不发送给模型）")
    return "；".join(notes)


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
        metrics.append(
            [name, _fmt(value), gate["rule"] if gate else "", ("通过" if gate["ok"] else "未通过") if gate else ""]
        )
    kinds = pd.DataFrame(
        [
            {"kind": k, "accuracy": float(r.get("accuracy") or 0.0), "n": int(r.get("n", 0))}
            for k, r in report.get("by_kind", {}).items()
        ],
        columns=["kind", "accuracy", "n"],
    )
    failures = [
        [
            r["id"],
            r["kind"],
            r["question"],
            "、".join(r.get("expected") or []) or "（应拒答）",
            "、".join(r.get("missing") or []) or "—",
            ("（拒答）" if r.get("refused") else "") + r.get("answer", ""),
        ]
        for r in report.get("items", [])
        if not r.get("ok")
    ]
    return metrics, kinds, failures


def eval_summary(report: dict[str, Any]) -> str:
    failed = [k for k, g in report.get("gates", {}).items() if not g["ok"]]
    verdict = "全部门槛通过" if report.get("passed") else f"未通过的门槛：{'、'.join(failed)}"
    items = report.get("metrics", {}).get("items", 0)
    return (
        f'<div class="eval-summary">后端 <b>{escape(str(report.get("backend", "")))}</b> · {items} 题 · '
        f"{report.get('seconds', 0)} 秒 · {escape(verdict)}</div>"
    )


def basic_auth(raw: str | None) -> tuple[str, str] | None:
    """``settings.auth`` (``ASSISTANT_AUTH="user:password"``) → ``(user, password)``, else None."""
    if not raw:
        return None
    user, sep, password = raw.partition(":")
    if not sep or not user or not password:
        raise AssistantError('ASSISTANT_AUTH must look like "user:password"')
    return user, password
