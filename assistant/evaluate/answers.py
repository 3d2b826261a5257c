"""Answer metrics, decided deterministically (no LLM judge), so a score means the same every run.

* figure accuracy — every expected figure of an answerable item appears in the answer (compared by
  value and unit after normalization; ordinals and dates by normalized text);
* numeric grounding — share of the figures shown in answers that their cited passages contain;
* citation recall / precision (ALCE's definitions): a statement is supported when the union of its
  cited passages holds all its figures; a citation is relevant when it holds at least one of its
  statement's figures (a statement without figures: when it cites anything at all);
* negative rejection — share of unanswerable items refused; false refusals — share of answerable
  items refused;
* drafting — share of drafts that carry at least three of their topic's headline figures (all of
  them when fewer are listed), every figure cited, verified and bound to its indicator, within
  length (150–300 characters, or the item's ``chars``); reported beside it: headline coverage (share
  of headline figures present), citation precision/recall over drafts alone, bound figures (share of
  draft figures whose clause says what their source sentence says of them) and within-length.
* wrong but verified — figures an answer shows as checked (cited, not marked) that are wrong:
  any on an unanswerable item; on a one-figure item, one its own sentence binds to the asked
  indicator, qualifier, region and year whose value is none of the gold figures'; a listed
  ``wrong`` figure presented as the asked indicator. Gated at 0 for every backend.
* bound accuracy — share of indicator-bound traps (items listing ``wrong`` figures: 885件 of all
  patents asked as 发明专利授权量) whose answer never presents a wrong figure, unmarked, as the
  asked indicator. A wrong figure may stand in a copied sentence as what it is (授权专利885件);
  it fails only when its own sentence binds it to the question's indicator.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from typing import Any

from assistant.answer.stages import Answer
from assistant.answer.verify import CITATION, UNVERIFIED_MARK, answer_figures, mask_citations, statements
from assistant.draft.compose import draft_length, length_bounds
from assistant.draft.model import unbound_figures
from assistant.evaluate.wrong_figures import wrong_but_verified, wrongly_bound
from assistant.facts.vocabulary import load_vocabulary
from assistant.language.figures import extract_figures, figure_in
from assistant.language.text import to_simplified

_BLANK = re.compile(r"\s+")
ANSWERABLE = ("figure", "multi_figure", "comparison", "trend", "ranking", "trap", "followup", "policy")
MIN_HEADLINES = 3  # a draft must carry at least this many of its topic's headline figures


def _norm(text: str) -> str:
    return _BLANK.sub("", to_simplified(text))


def has_figure(answer_text: str, expected: str) -> bool:
    """An expected figure is present: same value and unit, or (ordinals, dates) the same text."""
    wanted = [f for f in extract_figures(expected) if not f.is_year]
    if wanted:
        return all(figure_in(f, answer_text) for f in wanted)
    return _norm(expected) in _norm(answer_text)


@dataclass
class ItemResult:
    """One gold item scored: what was expected, what came back, and why it failed (if it did)."""

    id: str
    kind: str
    question: str
    expected: list[str]
    answer: str
    refused: bool
    backend: str
    ok: bool
    missing: list[str] = field(default_factory=list)
    figures_shown: int = 0
    figures_grounded: int = 0
    unmarked_unverified: int = 0
    statements: int = 0
    statements_supported: int = 0
    citations: int = 0
    citations_relevant: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    notice: str = ""
    figures_bound: int = 0  # drafts: figures whose clause matches their source sentence
    length: int = 0  # drafts: characters without citation marks
    within_length: bool = True
    format: str = ""  # the source's file format, where the gold item names it (html, txt, xlsx, …)
    wrongly_bound: list[str] | None = None  # traps only: wrong figures presented as the asked indicator
    wrong_but_verified: list[str] = field(default_factory=list)  # wrong figures shown as checked

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _citation_scores(answer: Answer, result: ItemResult) -> None:
    passages = {p.n: p.text for p in answer.passages}
    for statement in statements(answer.answer):
        cites = [int(n) for n in CITATION.findall(statement) if int(n) in passages]
        body = mask_citations(statement)
        figures = answer_figures(body)[0]
        if not body.strip(" 。；;") or (not cites and not figures):
            continue
        result.statements += 1
        joined = "\n".join(passages[n] for n in cites)
        result.statements_supported += bool(cites) and all(figure_in(f, joined) for f in figures)
        for n in cites:
            result.citations += 1
            result.citations_relevant += (not figures) or any(figure_in(f, passages[n]) for f in figures)


def score_item(item: dict[str, Any], answer: Answer) -> ItemResult:
    """Score one answer against its gold item."""
    kind = item["kind"]
    expected = list(item.get("figures", []))
    result = ItemResult(
        item["id"],
        kind,
        item["question"],
        expected,
        answer.answer,
        answer.refused,
        answer.backend,
        ok=False,
        timings=dict(answer.timings),
        notice=answer.notice,
        format=item.get("format", ""),
    )
    claimed = [f for f in answer.figures if not f.given]  # a figure the question gave is restated, not claimed
    result.figures_shown = len(claimed)
    result.figures_grounded = sum(f.verified for f in claimed)
    result.unmarked_unverified = sum(
        1
        for f in answer.figures
        if not f.verified and not f.given and f"{f.text}{UNVERIFIED_MARK}" not in answer.answer
    )
    if not answer.refused:
        _citation_scores(answer, result)
    if kind == "unanswerable":
        result.ok = answer.refused
    else:
        result.missing = [f for f in expected if not has_figure(answer.answer, f)]
        result.ok = not answer.refused and not result.missing
        if kind == "draft":
            _score_draft(item, answer, result)
    if "wrong" in item:
        result.wrongly_bound = wrongly_bound(item["question"], answer.answer, item["wrong"], load_vocabulary())
        result.ok = result.ok and not result.wrongly_bound
    result.wrong_but_verified = wrong_but_verified(item, answer, load_vocabulary())
    return result


def _score_draft(item: dict[str, Any], answer: Answer, result: ItemResult) -> None:
    """Headline coverage, binding and length; ``ok`` needs all three and every figure verified."""
    passages = {p.n: p.text for p in answer.passages}
    loose = unbound_figures(answer.answer, passages, list(dict.fromkeys(c.region for c in answer.citations)))
    result.figures_bound = result.figures_shown - len(loose)
    least, most = length_bounds(int(item.get("chars") or 300))
    result.length = draft_length(answer.answer)
    result.within_length = least <= result.length <= most
    found = len(result.expected) - len(result.missing)
    result.ok = (
        not answer.refused
        and found >= min(MIN_HEADLINES, len(result.expected))
        and not loose
        and all(f.verified and f.citation for f in answer.figures)
        and result.within_length
    )


def _share(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))], 1)


def aggregate(results: list[ItemResult]) -> dict[str, Any]:
    """The headline metrics over all scored items."""
    answerable = [r for r in results if r.kind in ANSWERABLE]
    unanswerable = [r for r in results if r.kind == "unanswerable"]
    drafts = [r for r in results if r.kind == "draft"]
    traps = [r for r in results if r.wrongly_bound is not None]
    figures = sum(r.figures_shown for r in results)
    metrics: dict[str, Any] = {
        "items": len(results),
        "figure_accuracy": _share(sum(r.ok for r in answerable), len(answerable)),
        "numeric_grounding": _share(sum(r.figures_grounded for r in results), figures) if figures else 1.0,
        "unmarked_unverified_figures": sum(r.unmarked_unverified for r in results),
        "citation_recall": _share(sum(r.statements_supported for r in results), sum(r.statements for r in results)),
        "citation_precision": _share(sum(r.citations_relevant for r in results), sum(r.citations for r in results)),
        "negative_rejection": _share(sum(r.refused for r in unanswerable), len(unanswerable)),
        "false_refusal": _share(sum(r.refused for r in answerable), len(answerable)),
        "drafting": _share(sum(r.ok for r in drafts), len(drafts)),
        "draft_headline_coverage": _share(
            sum(len(r.expected) - len(r.missing) for r in drafts), sum(len(r.expected) for r in drafts)
        ),
        "draft_citation_precision": _share(sum(r.citations_relevant for r in drafts), sum(r.citations for r in drafts)),
        "draft_citation_recall": _share(sum(r.statements_supported for r in drafts), sum(r.statements for r in drafts)),
        "draft_bound_figures": _share(sum(r.figures_bound for r in drafts), sum(r.figures_shown for r in drafts)),
        "draft_within_length": _share(sum(r.within_length for r in drafts), len(drafts)),
        "draft_total_ms_p50": _percentile([r.timings["total_ms"] for r in drafts if "total_ms" in r.timings], 0.5),
        "fallbacks": sum(1 for r in results if r.notice),
        "bound_accuracy": _share(sum(not r.wrongly_bound for r in traps), len(traps)),
        "wrong_but_verified": sum(len(r.wrong_but_verified) for r in results),
    }
    for stage in ("retrieve_ms", "generate_ms", "total_ms"):
        values = [r.timings[stage] for r in results if stage in r.timings]
        metrics[f"{stage}_p50"] = _percentile(values, 0.5)
        metrics[f"{stage}_p95"] = _percentile(values, 0.95)
    return metrics


def by_kind(results: list[ItemResult]) -> dict[str, dict[str, Any]]:
    """Per-kind counts: n, correct, refused, median total time."""
    return breakdown(results, "kind")


def breakdown(results: list[ItemResult], field_name: str) -> dict[str, dict[str, Any]]:
    """Counts per value of a result field (kind; format, for gold sets that tag the source's format)."""
    table: dict[str, dict[str, Any]] = {}
    for value in dict.fromkeys(getattr(r, field_name) for r in results):
        rows = [r for r in results if getattr(r, field_name) == value]
        table[value] = {
            "n": len(rows),
            "correct": sum(r.ok for r in rows),
            "accuracy": _share(sum(r.ok for r in rows), len(rows)),
            "refused": sum(r.refused for r in rows),
            "median_total_ms": round(statistics.median(r.timings.get("total_ms", 0.0) for r in rows), 1),
        }
    return table
