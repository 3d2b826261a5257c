"""The Draft tab's pieces that are not layout: the plan beside the draft, the facts a user keeps,
and the options a redraft is asked with. Everything from a document is escaped here."""

from __future__ import annotations

from typing import Any

from assistant.language.draft_terms import STYLES
from assistant.serve.render import escape

ROLE_NAMES = {
    "headline": "头条指标",
    "provision": "政策条款",
    "comparison": "比较/趋势",
    "measure": "支撑举措",
    "context": "补充",
}


def render_plan(draft: dict[str, Any]) -> str:
    """The plan as an HTML table: rank, role, figure, the quoted fact, its passage and why it was chosen."""
    rows = "".join(
        f"<tr><td>{rank}</td><td>{ROLE_NAMES.get(i['role'], escape(i['role']))}</td><td>{escape(i['value'])}</td>"
        f"<td>{escape(i['text'])}</td><td>[{i['n']}] {escape(i['region'])}</td><td>{escape(i['why'])}</td></tr>"
        for rank, i in enumerate(draft.get("plan") or [], start=1)
    )
    if not rows:
        return "<div class='draft-plan'>没有可写入段落的事实。</div>"
    dropped = len(draft.get("dropped") or [])
    note = f"<p>已去掉 {dropped} 项事实。</p>" if dropped else ""
    return (
        f"<div class='draft-plan'><table><thead><tr><th>#</th><th>类型</th><th>数字</th><th>事实（原文）</th>"
        f"<th>资料</th><th>选用理由</th></tr></thead><tbody>{rows}</tbody></table>{note}</div>"
    )


def fact_choices(draft: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, key) for every planned fact: the checkbox list a user unticks to drop one."""
    return [(f"{i['value']}｜{i['text'][:40]}", i["key"]) for i in draft.get("plan") or []]


def draft_options(
    style: str | None, chars: float | None, planned: list[str] | None, kept: list[str] | None
) -> dict[str, Any]:
    """What ``Answerer.draft`` is asked with: a planned fact the user unticked is dropped (kept
    drops stay dropped on the next redraft, since the plan no longer offers them)."""
    drop = frozenset(planned or []) - frozenset(kept or []) if kept is not None else frozenset()
    return {"style": style if style in STYLES else None, "chars": int(chars) if chars else None, "drop": drop}
