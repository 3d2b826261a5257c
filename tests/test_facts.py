"""The fact table: extraction from table rows and sentences, the SQLite view over real Chroma,
and the ``facts`` command. Chunks are written straight into a real embedded Chroma (with
arbitrary 4-d vectors: no test here searches by vector), so the store is exercised as ingest
leaves it without embedding anything."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from assistant.cli import main
from assistant.facts.extract import extract_facts
from assistant.facts.store import open_facts
from assistant.facts.vocabulary import load_vocabulary
from assistant.index.store import ChunkStore
from assistant.settings import Settings

VOCAB = load_vocabulary()
REPORT = {
    "source": "zl.txt",
    "title": "常州市钟楼区科技局工作报告",
    "region": "常州市钟楼区",
    "level": "市辖区",
    "years": [2012],
}
PATENTS = (
    "今年1-9月份,全区申请专利3623件(其中发明980件、实用新型1855件、外观设计788件),同比增长134.8%;"
    "授权专利885件(其中发明144件、实用新型611件、外观设计130件)。"
)
BULLETIN_2023 = {
    "source": "nbs2023.html",
    "title": "2023年全国科技经费投入统计公报",
    "region": "全国",
    "level": "national",
    "years": [2023],
}
REVISION = "[3]根据2022年国内生产总值（GDP）最终核实数据，2022年研究与试验发展（R&D）经费投入强度已修订为2.56%。"


def _row(
    title: str, label: str, cells: list[tuple[str, str, str]], source: str = "nbs2022.html", year: int = 2022
) -> tuple[str, dict]:
    """A table-row chunk as the table reader stores it: text plus kind/table_title/row_label/columns."""
    text = "｜".join([title, label, *(f"{h}（{u}）{v}" for h, u, v in cells)])
    meta = {
        "source": source,
        "title": f"{year}年全国科技经费投入统计公报",
        "region": "全国",
        "level": "national",
        "years": [year],
        "kind": "table_row",
        "table_title": title,
        "row_label": label,
        "columns": json.dumps([{"header": h, "unit": u, "value": v} for h, u, v in cells], ensure_ascii=False),
    }
    return text, meta


def test_a_sub_list_binds_each_figure_to_its_own_indicator() -> None:
    facts = {(f.indicator, f.subject, f.value, f.qualifier) for f in extract_facts("c", PATENTS, REPORT, VOCAB)}
    assert ("专利授权量", "", 885.0, "") in facts
    assert ("发明专利授权量", "", 144.0, "") in facts
    assert ("发明专利申请量", "", 980.0, "") in facts
    assert ("专利申请量", "", 134.8, "同比增长") in facts
    assert not any(ind == "发明专利授权量" and v == 885.0 for ind, _, v, _ in facts)
    one = next(f for f in extract_facts("c", PATENTS, REPORT, VOCAB) if f.value == 144.0)
    assert (one.region, one.year, one.period, one.unit) == ("常州市钟楼区", 2012, "1-9月", "件")
    assert PATENTS[one.start : one.end] == "144件"


def test_measure_words_rebind_and_qualifiers() -> None:
    luzhou = {"source": "lz.txt", "title": "泸州", "region": "泸州市", "level": "地级市", "years": [2008]}
    facts = {
        (f.indicator, f.value)
        for f in extract_facts("c", "三是抓专利申请和专利实施工作,1-11月全市专利申请170件,授权91件。", luzhou, VOCAB)
    }
    assert facts == {("专利申请量", 170.0), ("专利授权量", 91.0)}
    ruian = {"source": "ra.txt", "title": "瑞安", "region": "瑞安市", "level": "县级市", "years": [2023]}
    got = {
        (f.indicator, f.qualifier, f.value)
        for f in extract_facts("c", "新增高新技术企业28家,总数达132家。", ruian, VOCAB)
    }
    assert got == {("新认定高新技术企业", "新增", 28.0), ("高新技术企业", "累计", 132.0)}


def test_the_sentence_year_wins_over_the_document_year() -> None:
    (fact,) = extract_facts("c", REVISION, BULLETIN_2023, VOCAB)
    assert (fact.indicator, fact.region, fact.year, fact.value, fact.unit) == (
        "R&D经费投入强度",
        "全国",
        2022,
        2.56,
        "%",
    )


def test_places_in_a_list_take_their_own_figures() -> None:
    text = (
        "研究与试验发展（R&D）经费投入强度超过全国平均水平的省（直辖市）有7个，依次为北京（6.73%）、上海（4.34%）"
        "和安徽（2.69%）。"
    )
    got = {(f.region, f.value) for f in extract_facts("c", text, BULLETIN_2023, VOCAB)}
    assert got == {("北京市", 6.73), ("上海市", 4.34), ("安徽省", 2.69)}


def test_table_cells_exact_and_never_a_number_they_are_not() -> None:
    text, meta = _row(
        "2022年各地区研究与试验发展（R&D）经费情况",
        "陕 西",
        [("R&D经费", "亿元", "769.6"), ("R&D经费投入强度", "%", "2.35")],
    )
    facts = {
        (f.indicator, f.region, f.level, f.year, f.value, f.unit, f.base_value)
        for f in extract_facts("r", text, meta, VOCAB)
    }
    assert facts == {
        ("R&D经费", "陕西省", "province", 2022, 769.6, "亿元", 76960000000.0),
        ("R&D经费投入强度", "陕西省", "province", 2022, 2.35, "%", 2.35),
    }
    odd = [("R&D经费投入强度", "%", v) for v in ("--", "…", "—", "2.54[1]", "-0.05", "2.5/3", "")]
    values = [f.value for f in extract_facts("r", *_row("2022年各地区R&D经费情况", "全 国", odd), VOCAB)]
    assert values == [2.54, -0.05]


def test_non_place_rows_are_breakdowns_of_the_document_region() -> None:
    text, meta = _row("2022年分行业规模以上工业企业R&D经费情况", "采矿业", [("R&D经费", "亿元", "466.0")])
    (fact,) = extract_facts("r", text, meta, VOCAB)
    assert (fact.region, fact.subject) == ("全国", "采矿业")
    text, meta = _row("2022年分行业规模以上工业企业R&D经费情况", "合 计", [("R&D经费", "亿元", "19361.8")])
    (total,) = extract_facts("r", text, meta, VOCAB)
    assert total.subject == "合计"  # the industries' total is not the country's R&D经费


def _write(store: ChunkStore, doc: str, chunks: list[tuple[str, dict]]) -> None:
    """A document written as ingest writes it: registry record, chunks, then marked complete."""
    ids = [f"{doc}-{i}" for i in range(len(chunks))]
    record = {"title": doc, "content_hash": f"h-{doc}"}
    metas = [m | {"source": doc, "content_hash": record["content_hash"]} for _, m in chunks]
    store.begin_document(doc, record)
    store.write_chunks(ids, [t for t, _ in chunks], metas, np.ones((len(chunks), 4), dtype=np.float32))
    store.finish_document(doc, record)


@pytest.fixture
def fact_settings(tmp_path: Path) -> Settings:
    """An index holding two bulletins (table rows and a revision note) and a district report."""
    s = Settings(data_dir=tmp_path / "data", index_dir=tmp_path / "index")
    store = ChunkStore(s)
    _write(
        store,
        "nbs2022.html",
        [
            _row("2022年各地区R&D经费情况", label, [("R&D经费投入强度", "%", v)])
            for label, v in (("全 国", "2.54"), ("北 京", "6.83"), ("陕 西", "2.35"))
        ],
    )
    _write(store, "nbs2023.html", [(REVISION, BULLETIN_2023)])
    _write(store, "zl.txt", [(PATENTS, REPORT)])
    return s


def test_store_follows_chroma_and_removal_drops_facts(fact_settings: Settings) -> None:
    facts = open_facts(fact_settings)
    national = facts.query("研发强度", "全国", 2022)  # a synonym finds the canonical indicator
    assert sorted((f.value, f.source) for f in national) == [(2.54, "nbs2022.html"), (2.56, "nbs2023.html")]
    assert [f.value for f in facts.query("R&D经费投入强度", "北京市")] == [6.83]
    ChunkStore(fact_settings).remove_document("nbs2022.html")
    again = open_facts(fact_settings)
    assert [f.source for f in again.query("R&D经费投入强度")] == ["nbs2023.html"]
    assert again.query(region="钟楼", year=2012)


def test_facts_cli_json_and_csv(fact_settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    index = str(fact_settings.index_dir)
    assert (
        main(["facts", "--indicator", "发明专利授权", "--region", "钟楼", "--year", "2012", "--index", index, "--json"])
        == 0
    )
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["indicator"], r["value"], r["unit"]) for r in rows] == [("发明专利授权量", 144.0, "件")]
    assert {"indicator", "region", "year", "value", "unit", "source", "chunk_id", "text"} <= rows[0].keys()
    assert main(["facts", "--indicator", "R&D经费投入强度", "--index", index, "--csv"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("indicator,") and len(lines) == 5
