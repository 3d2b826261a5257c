"""The source panel shows a cited table row as a small table, the cited cell highlighted, and the
text as written where read-time normalization changed it. Pure HTML rendering: no page needed."""

from __future__ import annotations

from assistant.serve.render import render_sources

ROW = {
    "n": 1,
    "source": "nbs_2022.html",
    "section": "附表2 2022年各地区研究与试验发展（R&D）经费情况",
    "text": "附表2 2022年各地区研究与试验发展（R&D）经费情况｜陕西｜R&D经费（亿元）769.6｜R&D经费投入强度（%）2.35",
    "title": "2022年全国科技经费投入统计公报",
    "region": "全国",
    "years": [2022],
    "kind": "table_row",
    "row_label": "陕西",
    "columns": [
        {"header": "R&D经费", "unit": "亿元", "value": "769.6"},
        {"header": "R&D经费投入强度", "unit": "%", "value": "2.35"},
    ],
}


def _answer(figure: str, citation: dict) -> dict:
    return {
        "answer": f"陕西为{figure}[1]。",
        "refused": False,
        "citations": [citation],
        "figures": [{"text": figure, "verified": True}],
    }


def test_a_cited_row_is_a_table_with_the_cited_cell_marked() -> None:
    html = render_sources(_answer("2.35%", ROW))
    assert '<table class="source-row">' in html
    assert "<th>R&amp;D经费（亿元）</th><th>R&amp;D经费投入强度（%）</th>" in html
    assert "<th>陕西</th><td>769.6</td>" in html
    assert '<td class="cited-cell"><mark>2.35</mark></td>' in html


def test_the_unit_decides_which_cell_is_cited() -> None:
    html = render_sources(_answer("769.6亿元", ROW))
    assert '<td class="cited-cell"><mark>769.6</mark></td>' in html and "<td>2.35</td>" in html
    assert "<mark>2.35</mark>" not in render_sources(_answer("2.35亿元", ROW))


def test_cells_are_escaped() -> None:
    hostile = ROW | {"row_label": "<script>x</script>", "columns": [{"header": "<b>", "unit": "", "value": "<i>1</i>"}]}
    html = render_sources(_answer("1", hostile))
    assert "<script>" not in html and "&lt;script&gt;" in html and "<i>1</i>" not in html


def test_text_as_written_is_shown_where_normalization_changed_it() -> None:
    citation = {
        "n": 1,
        "source": "scan.pdf",
        "section": "",
        "text": "山东省R&D经费2180.5亿元。",
        "title": "报告",
        "region": "",
        "years": [],
        "kind": "text",
        "original": "⼭ 东省R&D经费 2180.5 亿元。",
    }
    html = render_sources(_answer("2180.5亿元", citation))
    assert "<mark>2180.5亿元</mark>" in html
    assert '<div class="source-original">原文：⼭ 东省R&amp;D经费 2180.5 亿元。</div>' in html
