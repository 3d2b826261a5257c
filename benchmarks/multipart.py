"""Questions of several parts, generated from single questions the product answers correctly today.

Run: .venv/bin/python benchmarks/multipart.py --index DIR [--backend extractive] [--limit N] [--cases N]
     [--out benchmarks/results-multipart.json]

1. Singles: every ``figure`` item of eval/gold.jsonl and eval/gold_corpora.jsonl is asked alone;
   those answered with all their gold figures are kept (and every ``unanswerable`` item refused).
2. Joined the ways users join them (:func:`joined`): two or three singles as clauses (…，…？);
   two singles of one place and year as a list of indicators (A和B分别是多少), of one indicator
   and year as a list of places, of one indicator and place as a list of years; and the same with
   one unanswerable part mixed in — a gold unanswerable question as a clause, or a part whose
   place has no document (reason: region), whose year no document has (reason: year), or whose
   indicator no document holds (reason: indicator).
3. Scored per part: right (answered, every gold figure in the part's answer), wrongly declined,
   unanswerable answered, false reason (declined with another kind of reason than made).
4. Bad input: ten parts, a repeated part, a place and a year that exist but never together.
5. Cost: decomposition time per question (p50), and the extractive answer of a single (p50).

The slice test (tests/test_multipart.py) runs a few of the same generated questions.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# importable only once ROOT is on sys.path, hence after it
from assistant.evaluate.answers import has_figure  # noqa: E402

ABSENT_PLACE = "拉萨市"  # a city no test corpus has a document about (asked, it is declined: region)
ABSENT_YEAR = "1990年"  # a year no test corpus has a figure of
ABSENT_INDICATOR = "独角兽企业数量"  # an indicator no test corpus states


def singles(answerer: Any, limit: int | None) -> tuple[list[dict], list[dict]]:
    """(answered figure items, refused unanswerable items), each asked alone, as the product is today."""
    items: list[dict] = []
    for name in ("gold.jsonl", "gold_corpora.jsonl"):
        items += [
            json.loads(line) for line in (ROOT / "eval" / name).read_text(encoding="utf-8").splitlines() if line.strip()
        ]
    figures = _spread([i for i in items if i["kind"] == "figure"], limit)
    unanswerable = _spread([i for i in items if i["kind"] == "unanswerable"], limit)
    right = [i for i in figures if _right(answerer.ask(i["question"]).answer, i["figures"])]
    refused = [i for i in unanswerable if answerer.ask(i["question"]).refused]
    return right, refused


def _spread(items: list[dict], limit: int | None) -> list[dict]:
    """At most ``limit`` items, evenly spread over both gold files."""
    return items if not limit or len(items) <= limit else items[:: len(items) // limit][:limit]


def _right(text: str, figures: list[str]) -> bool:
    return bool(figures) and all(has_figure(text, f) for f in figures) and "现有资料中没有" not in text


def _clause(question: str) -> str:
    return question.strip().rstrip("？?。")


def joined(right: list[dict], refused: list[dict], lexicon: Any, rng: random.Random) -> list[dict]:
    """Generated questions, each with its expected parts: {"figures": [...]} or {"declined": kind}."""
    out: list[dict] = []
    pool = right[:]
    rng.shuffle(pool)
    for a, b in zip(pool[::2], pool[1::2]):
        out.append(_case("clauses-2", f"{_clause(a['question'])}，{b['question']}", [a, b]))
    for a, b, c in zip(pool[::3], pool[1::3], pool[2::3]):
        out.append(
            _case("clauses-3", f"{_clause(a['question'])}；{_clause(b['question'])}，{c['question']}", [a, b, c])
        )
    for a, u in zip(pool, refused):
        out.append(_case("clause+unanswerable", f"{_clause(a['question'])}，{u['question']}", [a, {"declined": ""}]))
    out += _lists(pool, lexicon)
    for a in pool:
        out += _absent(a, lexicon)
    return out


def _case(shape: str, question: str, parts: list[dict]) -> dict:
    return {
        "shape": shape,
        "question": question,
        "parts": [
            {"declined": p["declined"]} if "declined" in p else {"figures": p["figures"], "id": p["id"]} for p in parts
        ],
    }


def _slots(question: str, lexicon: Any) -> dict[str, Any]:
    from assistant.answer.parts import items

    found = items(question, lexicon)
    return {
        axis: [i for i in found if i.axis == axis] for axis in ("place", "year", "indicator", "qualifier", "article")
    }


def _listed(question: str, item: Any, words: list[str]) -> str:
    """The question with ``item`` replaced by a list of ``words`` and 分别 before its ask."""
    import re

    text = question[: item.start] + "和".join(words) + question[item.end :]
    return re.sub(r"(是|为|有)?(多少|几)", lambda m: "分别" + m.group(0), text, count=1)


def _residue(question: str, lexicon: Any) -> str:
    """The question less its items, punctuation and asking words: two questions that differ by one
    item alone have the same residue."""
    import re

    from assistant.answer.parts import items

    text = question
    for item in sorted(items(question, lexicon), key=lambda i: -i.start):
        text = text[: item.start] + text[item.end :]
    return re.sub(r"\W|是|为|有|多少|几|的|了|共|达到?|分别|各", "", text)


def _lists(pool: list[dict], lexicon: Any) -> list[dict]:
    """A with B's item listed beside A's own, where A and B differ on that item alone (by slots)."""
    out: list[dict] = []
    slots = {i["id"]: _slots(i["question"], lexicon) for i in pool}
    for axis in ("indicator", "place", "year"):
        others = [k for k in ("place", "year", "indicator", "qualifier") if k != axis]
        seen: set[str] = set()
        for a in pool:
            sa = slots[a["id"]]
            if len(sa[axis]) != 1 or a["id"] in seen:
                continue
            for b in pool:
                sb = slots[b["id"]]
                same = all([i.text for i in sa[k]] == [i.text for i in sb[k]] for k in others)
                ta, tb = sa[axis][0].text if sa[axis] else "", sb[axis][0].text if sb[axis] else ""
                if b is a or len(sb[axis]) != 1 or not same or ta in tb or tb in ta:
                    continue
                if _residue(a["question"], lexicon) != _residue(b["question"], lexicon):  # other words differ
                    continue
                text = _listed(a["question"], sa[axis][0], [sa[axis][0].text, sb[axis][0].text])
                out.append(_case(f"list-of-{axis}", text, [a, b]))
                seen |= {a["id"], b["id"]}
                break
    return out


def _absent(a: dict, lexicon: Any) -> list[dict]:
    """A listed with a part that cannot be answered, for a known reason."""
    sa = _slots(a["question"], lexicon)
    out = []
    for axis, word, kind in (("place", ABSENT_PLACE, "region"), ("year", ABSENT_YEAR, "year")):
        if len(sa[axis]) == 1 and (axis != "year" or sa["place"]):
            text = _listed(a["question"], sa[axis][0], [sa[axis][0].text, word])
            out.append(_case(f"list+absent-{axis}", text, [a, {"declined": kind}]))
    if len(sa["indicator"]) == 1:
        text = _listed(a["question"], sa["indicator"][0], [sa["indicator"][0].text, ABSENT_INDICATOR])
        out.append(_case("list+absent-indicator", text, [a, {"declined": "indicator"}]))
    return out


def score(answer: Any, case: dict) -> dict[str, int]:
    """Per part: right, wrongly declined, unanswerable answered, false reason, missing (no such part)."""
    got = answer.parts or [
        {"status": "declined" if answer.refused else "answered", "reason_kind": "", "text": answer.answer}
    ]
    texts = _part_texts(answer)
    counts = dict.fromkeys(
        (
            "parts",
            "right",
            "wrongly_declined",
            "wrong_figures",
            "unanswerable",
            "unanswerable_answered",
            "false_reason",
            "missing",
        ),
        0,
    )
    for i, want in enumerate(case["parts"]):
        part = got[i] if i < len(got) else None
        if "declined" in want:
            counts["unanswerable"] += 1
            if part is None:
                counts["missing"] += 1
            elif part["status"] == "answered":
                counts["unanswerable_answered"] += 1
            elif want["declined"] and part.get("reason_kind") != want["declined"]:
                counts["false_reason"] += 1
            continue
        counts["parts"] += 1
        if part is None:
            counts["missing"] += 1
        elif part["status"] != "answered":
            counts["wrongly_declined"] += 1
        elif all(has_figure(texts[i] if i < len(texts) else answer.answer, f) for f in want["figures"]):
            counts["right"] += 1
        else:
            counts["wrong_figures"] += 1
    return counts


def _part_texts(answer: Any) -> list[str]:
    """Each part's line of the composed answer (（一）…, （二）…), in order."""
    import re

    return [m.group(1) for m in re.finditer(r"^（[一二三四五六七八九十]+）(.*)$", answer.answer, re.MULTILINE)]


def bad_input(right: list[dict], answerer: Any) -> dict[str, Any]:
    """Ten parts; one part asked twice; a place and a year that exist but never together."""
    ten = "，".join(_clause(i["question"]) for i in right[:10]) + "？"
    twice = f"{_clause(right[0]['question'])}，{right[0]['question']}"
    apart = "2023年钟楼区和常州市的高新技术企业分别有多少家？"
    out: dict[str, Any] = {}
    for name, question in (("ten_parts", ten), ("repeated_part", twice), ("place_year_apart", apart)):
        answer = answerer.ask(question)
        out[name] = {
            "question": question,
            "parts": len(answer.parts),
            "answered": sum(p["status"] == "answered" for p in answer.parts),
            "declined": [(p["claim"], p["reason_kind"]) for p in answer.parts if p["status"] != "answered"],
            "repeated": [p["repeated"] for p in answer.parts],
        }
    return out


def run(answerer: Any, limit: int | None, cases_max: int | None = None, seed: int = 7) -> dict[str, Any]:
    from assistant.answer.parts import decompose

    lexicon = answerer.retriever.lexicon
    started = time.perf_counter()
    right, refused = singles(answerer, limit)
    single_ms = [answerer.ask(i["question"]).timings["total_ms"] for i in right[:20]]
    cases = joined(right, refused, lexicon, random.Random(seed))
    if cases_max and len(cases) > cases_max:  # an even spread over the shapes, the same on every run
        cases = cases[:: max(1, len(cases) // cases_max)][:cases_max]
    totals: dict[str, int] = {}
    by_shape: dict[str, dict[str, int]] = {}
    failures: list[dict] = []
    decompose_ms: list[float] = []
    for case in cases:
        t = time.perf_counter()
        decompose(case["question"], lexicon)
        decompose_ms.append((time.perf_counter() - t) * 1000)
        answer = answerer.ask(case["question"])
        counts = score(answer, case)
        for key, value in counts.items():
            totals[key] = totals.get(key, 0) + value
            shape = by_shape.setdefault(case["shape"], {})
            shape[key] = shape.get(key, 0) + value
        if (
            counts["right"] < counts["parts"]
            or counts["unanswerable_answered"]
            or counts["false_reason"]
            or counts["missing"]
        ):
            failures.append(
                {
                    "question": case["question"],
                    "expected": case["parts"],
                    "answer": answer.answer,
                    "parts": [{k: p[k] for k in ("claim", "status", "reason", "reason_kind")} for p in answer.parts],
                }
            )
    return {
        "singles_answered": len(right),
        "unanswerable_refused": len(refused),
        "questions": len(cases),
        **totals,
        "parts_right_share": round(totals.get("right", 0) / max(1, totals.get("parts", 0)), 4),
        "by_shape": by_shape,
        "bad_input": bad_input(right, answerer),
        "decompose_ms_p50": round(statistics.median(decompose_ms), 2) if decompose_ms else None,
        "single_answer_ms_p50": round(statistics.median(single_ms), 1) if single_ms else None,
        "seconds": round(time.perf_counter() - started, 1),
        "failures": failures,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--backend", default="extractive")
    parser.add_argument("--limit", type=int, default=None, help="at most this many gold items of each kind")
    parser.add_argument("--cases", type=int, default=None, help="at most this many generated questions")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results-multipart.json")
    args = parser.parse_args()
    from assistant import api
    from assistant.settings import get_settings

    answerer = api.open_answerer(get_settings(index_dir=args.index), backend=args.backend)
    result = run(answerer, args.limit, args.cases)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(
        json.dumps({k: v for k, v in result.items() if k not in ("failures", "by_shape")}, ensure_ascii=False, indent=2)
    )


if __name__ == "__main__":
    main()
