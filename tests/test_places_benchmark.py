"""The place benchmark's bar on a deterministic slice: every 4th division of the national table
(all levels, every name form, every template) and every near miss (tests/places_check.py;
``benchmarks/places.py`` runs the whole table). None of these sentences was written for a rule:
they are generated from the table and from tests/places_near_misses.toml."""

from __future__ import annotations

from places_check import LEVELS, Score, divisions, near_misses, positives, score

BAR = 0.99


def test_recall_and_precision_at_every_level_on_a_slice_of_the_table() -> None:
    table = divisions(step=4)
    hits, wrong = score(positives(table)), score(near_misses())
    both = Score()
    for part in (hits, wrong):
        for name in ("expected", "found", "predicted", "correct"):
            getattr(both, name).update(getattr(part, name))
    figures = both.figures()
    assert {d.level for d in table} == {"province", "city", "county"}
    for level in LEVELS:
        assert figures[level]["expected"] > 0, level
        assert figures[level]["recall"] >= BAR, (level, figures[level], hits.misses[:20])
        assert figures[level]["precision"] >= BAR, (
            level,
            figures[level],
            (hits.false_positives + wrong.false_positives)[:20],
        )


def test_there_are_at_least_500_near_misses_of_every_kind() -> None:
    texts = [c.text for c in near_misses()]
    assert len(texts) >= 500
    for marker in (
        "银行",
        "大学",
        "同志表示",
        "进一步加强",
        "长安汽车",
    ):  # organisations, people, ordinary words, observed
        assert any(marker in t for t in texts), marker
