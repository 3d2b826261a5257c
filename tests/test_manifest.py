"""Metadata inference on documents nobody described: every file of knowledge/ and ../shared/corpora/.

The expected values are what a reader of each document would write: region (from the title, an
issuer or the text), level, the years reported on apart from the year issued, and the type. Where
the text does not say (the 东莞 notice never names its city), the expected region is empty.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.ingest.clean import clean_text
from assistant.ingest.manifest import DocMeta, document_meta, infer_meta
from assistant.ingest.readers import read_document
from assistant.settings import PROJECT_ROOT

KNOWLEDGE = PROJECT_ROOT / "knowledge"
CORPORA = PROJECT_ROOT.parent / "shared" / "corpora"

# file: (region, level, years, issued_year, doc_type, region_source)
EXPECTED = {
    # seeds (their manifest entries override; inference alone must still be sensible)
    "000_ed9fd284b80e42d9.txt": ("钟楼区", "区县", [2012], None, "report", "text"),
    "001_bbaa06e7afcfcd41.txt": ("泰兴市", "区县", [2022], None, "report", "issuer"),  # the page title says 2022
    "002_34f0dc6191c594a9.txt": ("", "区县", [2013], None, "report", "not stated"),  # the district's name is redacted
    "003_63333fff2a297632.txt": ("瑞安市", "区县", [2023], None, "report", "text"),
    "004_359fa4cc5da14e9f.txt": ("泸州市", "市", [2009], None, "report", "text"),  # only its counties are named
    "杭州市科学技术进步条例(2011-12-07).md": ("杭州市", "市", [2011], 2011, "policy", "title"),
    "河南省促进高新技术产业发展条例(2011-06-13).md": ("河南省", "省", [2011], 2011, "policy", "title"),
    "浙江省专利条例(2015-09-25).md": ("浙江省", "省", [2015], 2015, "policy", "title"),
    "浙江省促进科技成果转化条例(2021-09-30).md": ("浙江省", "省", [2021], 2021, "policy", "title"),
    "浙江省技术市场条例(2021-09-30).md": ("浙江省", "省", [2021], 2021, "policy", "title"),
    # bulletins and policies
    "KXTcompany_demo__dongguan_2015_yanfa_jiaji_kouchu_notice.html": ("", "市", [2015], 2016, "policy", "not stated"),
    "KXTcompany_demo__gaoxin_qiye_rending_guanli_banfa_2016.html": ("全国", "全国", [2016], 2016, "policy", "text"),
    "huhuaping-techme__nbs_2019_quanguo_keji_jingfei_touru_tongji_gongbao.html": ("全国", "全国", [2019], 2020, "bulletin", "title"),
    "huhuaping-techme__nbs_2022_quanguo_keji_jingfei_touru_tongji_gongbao.html": ("全国", "全国", [2022], 2023, "bulletin", "title"),
    "huhuaping-techme__nbs_2023_quanguo_keji_jingfei_touru_tongji_gongbao.html": ("全国", "全国", [2023], 2024, "bulletin", "title"),
    # laws and government work reports
    "LawRefBook-Laws__上海市推进科技创新中心建设条例(2020-01-20).txt": ("上海市", "省", [2020], 2020, "policy", "title"),
    "LawRefBook-Laws__专利法(2020-10-17).txt": ("全国", "全国", [2020], 2020, "policy", "title"),
    "LawRefBook-Laws__企业所得税法(2018-12-29).txt": ("全国", "全国", [2018], 2018, "policy", "title"),
    "LawRefBook-Laws__企业所得税法实施条例(2019-04-23).txt": ("全国", "全国", [2019], 2019, "policy", "title"),
    "LawRefBook-Laws__促进科技成果转化法(2015-08-29).txt": ("全国", "全国", [2015], 2015, "policy", "title"),
    "LawRefBook-Laws__北京国际科技创新中心建设条例(2024-01-25).txt": ("北京市", "省", [2024], 2024, "policy", "title"),
    "LawRefBook-Laws__国家科学技术奖励条例(2024-05-26).txt": ("全国", "全国", [2024], 2024, "policy", "title"),
    "LawRefBook-Laws__浙江省高新技术促进条例(2021-09-30).txt": ("浙江省", "省", [2021], 2021, "policy", "title"),
    "LawRefBook-Laws__科学技术进步法(2021-12-24).txt": ("全国", "全国", [2021], 2021, "policy", "title"),
    **{f"chinese-political-corpora__government_work_report_{y}.txt": ("全国", "全国", [y - 1, y], y, "report", "title")
       for y in (2016, 2017, 2018, 2019, 2021, 2022, 2023, 2024, 2025)},
}


def _documents() -> list[Path]:
    files = [p for p in sorted(KNOWLEDGE.iterdir()) if p.suffix in {".txt", ".md"}]
    if CORPORA.is_dir():
        files += [p for p in sorted(CORPORA.rglob("*")) if p.is_file() and p.name != "SOURCES.md"]
    return files


def test_every_document_has_an_expectation() -> None:
    assert {p.name for p in _documents()} <= set(EXPECTED)
    if not CORPORA.is_dir():
        pytest.skip("../shared/corpora is absent")


@pytest.mark.parametrize("path", _documents(), ids=lambda p: p.name[:40])
def test_inference(path: Path) -> None:
    meta = infer_meta(path.name, clean_text(read_document(path)))
    got = (meta.region, meta.level, meta.years, meta.issued_year, meta.doc_type, meta.region_source)
    assert got == EXPECTED[path.name]


def test_a_place_named_in_one_sentence_is_not_the_documents_region() -> None:
    """A town office's report that mentions a visit to 泰兴市 (or a planted line the detector
    missed) is not 泰兴市's document: no sentence decides the issuer's region. With no region in the
    title, the issuer or across the text, the region is empty and says so."""
    text = "\n".join(["测试镇科技办2022年工作总结", "一、总体情况", "2022年，全镇新认定高新技术企业3家。",
                      "赴泰兴市学习高企培育经验，泰兴市高新技术企业有9999家。", "二、主要做法", "组织政策宣讲会4场。"])
    meta = infer_meta("总结.txt", text)
    assert (meta.region, meta.region_source) == ("", "not stated")
    issued = infer_meta("简报.txt", "2020年工作简报\n泰兴市科学技术局\n全年新认定国家高企90家。")
    assert (issued.region, issued.region_source) == ("泰兴市", "issuer")  # the header's issuer still names it


def test_a_table_file_is_a_table() -> None:
    assert infer_meta("各地区R&D经费.csv", "地区,R&D经费（亿元）\n陕西,769.6\n").doc_type == "table"


def test_the_manifest_overrides_field_by_field() -> None:
    manifest = json.loads((KNOWLEDGE / "manifest.json").read_text(encoding="utf-8"))["documents"]
    entry = DocMeta(**manifest["001_bbaa06e7afcfcd41.txt"])
    text = clean_text(read_document(KNOWLEDGE / "001_bbaa06e7afcfcd41.txt"))
    meta = document_meta("001_bbaa06e7afcfcd41.txt", text, entry)
    assert (meta.region, meta.years, meta.region_source, meta.years_source) == ("泰兴市", [2020, 2021], "manifest", "manifest")
    partial = document_meta("x.txt", "2019年全国科技经费投入统计公报\n发布时间：2020-08-27\n", DocMeta(title="公报"))
    assert (partial.title, partial.region, partial.region_source, partial.years, partial.issued_year) == (
        "公报", "全国", "title", [2019], 2020)


def test_list_shows_what_was_inferred_and_from_where(settings, tmp_path: Path) -> None:
    """A bulletin nobody described, ingested through the CLI; `list` and `list --json` say what was guessed."""
    import os
    import subprocess
    import sys

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "bulletin.md").write_text(
        "# 2019年全国科技经费投入统计公报\n\n发布时间：2020-08-27\n\n2019年，全国共投入R&D经费22143.6亿元。\n", encoding="utf-8")
    (folder / "notes.md").write_text("# 科技工作简报汇编\n\n本期刊登三项工作进展，赴泰兴市学习一次。\n", encoding="utf-8")
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(settings.data_dir), "ASSISTANT_INDEX_DIR": str(settings.resolved_index_dir)}

    def cli(*args: str) -> str:
        out = subprocess.run([sys.executable, "-m", "assistant", *args], capture_output=True, text=True,
                             cwd=PROJECT_ROOT, env=env, timeout=600)
        assert out.returncode == 0, out.stderr
        return out.stdout

    cli("ingest", str(folder), "-q")
    docs = {d["source"]: d for d in map(json.loads, cli("list", "--json").splitlines())}
    doc = docs["bulletin.md"]
    assert {k: doc[k] for k in ("region", "level", "region_source", "years", "years_source", "issued_year", "doc_type")} == {
        "region": "全国", "level": "全国", "region_source": "title", "years": [2019], "years_source": "title",
        "issued_year": 2020, "doc_type": "bulletin"}
    listed = cli("list")
    assert "全国（全国） [title]\t2019 [title] (issued 2020)\tbulletin [title]" in listed
    assert (docs["notes.md"].get("region", ""), docs["notes.md"]["region_source"]) == ("", "not stated")
    assert "\t- [not stated]\t" in next(line for line in listed.splitlines() if line.startswith("notes.md"))
