"""The issuer is the issuer: region and level from the title or the body a document
states as its issuer — never from a document it cites, never from sentences of prose.

Rules are checked on documents they were not written for: every prefecture-level city of the
national division table as the signer of a notice that cites its province's department (generated),
a fake report naming 泰兴市 in many sentences, and the 2016 黔东南 bulletin under its repository's
wrong file name (``2023年洛阳市国民经济和社会发展统计公报.docx``, copied at test time).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import KNOWLEDGE

from assistant.answer.chain import Answerer
from assistant.evaluate.metadata import product_metadata
from assistant.ingest.manifest import NOT_STATED, infer_meta
from assistant.ingest.pipeline import ingest
from assistant.language.divisions import load
from assistant.language.places import region_of
from assistant.retrieve import Retriever
from assistant.settings import PROJECT_ROOT, Settings

FRESH = PROJECT_ROOT.parent / "shared" / "corpora" / "fresh-2026-12"
# the fake: a report whose title names no place, prose naming 泰兴市 in several sentences
FAKE_NAME = "某市科技局2020年工作总结.txt"
FAKE = "\n".join(
    [
        "某市科技局2020年工作总结",
        "2020年，泰兴市科技局始终坚持创新驱动发展战略，全市科技工作取得新成效。",
        "一、主要成绩",
        "2020年，泰兴市新认定国家高新技术企业93家，泰兴市高新技术产业产值占比持续提升。",
        "泰兴市科技型中小企业评价入库数量创历史新高。",
        "二、下一步工作",
        "泰兴市将继续加大科技投入，推动泰兴市高质量发展。",
    ]
)
OPENING = "科技工作总结\n据泰兴市科技局统计，全年新认定国家高企93家。\n一、工作情况\n全年组织政策宣讲会4场。"


@pytest.mark.parametrize(
    ("name", "text"),
    [(FAKE_NAME, FAKE), ("科技工作总结.txt", OPENING), ("总结.txt", FAKE.replace("某市科技局", "科技局"))],
)
def test_a_report_naming_a_place_in_prose_stays_without_a_region(name: str, text: str) -> None:
    """Five sentences naming 泰兴市, or one opening 据泰兴市科技局统计, make no issuer: 地区不详."""
    meta = infer_meta(name, text)
    assert (meta.region, meta.region_source) == ("", NOT_STATED) and "泰兴" not in meta.issuer
    assert meta.level in ("", "市")  # 某市科技局 (the title's issuer) says it is a city's bureau, not which


def _cities() -> list[tuple[str, str]]:
    """(city, its province) for every prefecture-level division of the national table."""
    divisions = load()[0]
    return sorted(
        {
            (d.full_name, d.province)
            for d in divisions
            if d.level == "city" and d.province and d.full_name.endswith("市")
        }
    )


def test_a_cited_department_never_makes_the_issuer_every_city() -> None:
    """A city's notice whose first lines cite its province's department (the 东莞 notice's form,
    generated for every prefecture-level city): the region is the signer's, never the province's."""
    wrong = []
    for city, province in _cities():
        text = "\n".join(
            [
                "关于组织申报2024年高新技术企业培育库入库企业的通知",
                "各有关企业：",
                f"为做好我市高企培育工作，根据《{province}科学技术厅关于组织申报高新技术企业的通知》的规定，现将有关事项通知如下：",
                "一、申报条件",
                "企业注册一年以上。",
                *["企业应如实填报申报材料。"] * 12,
                "特此通知。",
                f"{city}科学技术局",
                "2024年6月21日",
            ]
        )
        meta = infer_meta("通知.html", text)
        expected = region_of(city)
        if (meta.region, meta.issuer) != (expected.full_name if expected else city, f"{city}科学技术局"):
            wrong.append((city, meta.region, meta.issuer))
    assert wrong == [], f"{len(wrong)} of {len(_cities())}: {wrong[:10]}"


def test_without_a_signature_the_cited_province_is_not_the_region() -> None:
    text = (
        "关于组织申报2017年高新技术企业培育库入库企业的通知\n为顺利组织开展我市工作，根据《广东省科学技术厅关于组织申报"
        "2017年高新技术企业培育库入库企业的通知》的规定，现将有关事项通知如下：\n一、申报安排\n企业可选择时间填写。"
    )
    meta = infer_meta("notice.html", text)
    assert (meta.region, meta.level) == ("", "市")


@pytest.mark.parametrize(
    ("text", "region", "source"),
    [
        (
            "关于开展科技型中小企业评价工作的通知\n发文机关：苏州市科学技术局  发布日期：2023-03-01\n各区科技局：",
            "苏州市",
            "field",
        ),
        (
            "2022年国民经济和社会发展统计公报\n赣州市统计局 国家统计局赣州调查队\n2023年4月1日\n全年…",
            "赣州市",
            "header",
        ),
        ("科技创新促进办法\n本办法由科学技术部、财政部负责解释。", "全国", "issuer"),
        (
            "关于做好2023年度科技项目申报工作的通知\n各县（市、区）科技局：\n"
            + "申报单位应如实填报。\n" * 14
            + "特此通知。\n扬州市科学技术局\n二〇二三年五月八日",
            "扬州市",
            "signature",
        ),
    ],
)
def test_issuers_stated_where_documents_state_them(text: str, region: str, source: str) -> None:
    meta = infer_meta("x.txt", text)
    assert meta.region == region and source in (meta.issuer_source, meta.region_source), meta


@pytest.mark.skipif(not FRESH.is_dir(), reason="../shared/corpora is absent")
def test_text_beats_the_file_name_and_both_are_kept(tmp_path: Path) -> None:
    """The 2016 黔东南 bulletin under its repository's name: 2016 and 黔东南 from its text; the file
    name's 洛阳市 and 2023 are kept beside them. Footnote marks are no part of a title."""
    misnamed = tmp_path / "2023年洛阳市国民经济和社会发展统计公报.docx"
    shutil.copy(FRESH / "HYSkyline-squan_kw__qiandongnan_2016_tongji_gongbao.docx", misnamed)
    meta = product_metadata(misnamed)
    assert (meta["region"], meta["years"], meta["region_source"], meta["years_source"]) == (
        "黔东南苗族侗族自治州",
        [2016],
        "title",
        "title",
    )
    assert (meta["file_name_region"], meta["file_name_years"]) == ("洛阳市", [2023])
    luoyang = product_metadata(FRESH / "HYSkyline-squan_kw__luoyang_2023_tongji_gongbao.txt")
    assert luoyang["title"] == "2023年洛阳市国民经济和社会发展统计公报"  # not 公报① (read as 公报1)


@pytest.fixture(scope="module")
def fake_settings(corpus_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """The corpus index plus the fake report, in a private copy."""
    root = tmp_path_factory.mktemp("fake")
    shutil.copytree(corpus_settings.resolved_index_dir, root / "index")
    (root / FAKE_NAME).write_text(FAKE, encoding="utf-8")
    settings = Settings(data_dir=corpus_settings.data_dir, index_dir=root / "index", knowledge_dir=KNOWLEDGE)
    assert not ingest(settings, [root / FAKE_NAME], progress=False).failed
    yield settings


def test_the_fake_reports_figure_is_never_taixings_answer(fake_settings: Settings) -> None:
    """Asked about 泰兴市 2020, the answer states the bureau's 86家; the fake's 93家 appears at most in
    the disagreement note, never as the answer's own figure."""
    answer = Answerer(fake_settings, retriever=Retriever(fake_settings), backend="extractive").ask(
        "泰兴市2020年新认定国家高企多少家？"
    )
    first = answer.answer.split("注意")[0]
    assert "86家" in first and "93家" not in first, answer.answer
    assert "（，" not in answer.answer  # a source without a region is 地区不详, never an empty slot
    fake = next(d for d in Retriever(fake_settings).documents() if d["source"] == FAKE_NAME)
    assert (fake.get("region", ""), fake["region_source"]) == ("", NOT_STATED)


def _cities_by_province() -> dict[str, list[str]]:
    by_province: dict[str, list[str]] = {}
    for city, province in _cities():
        by_province.setdefault(province, []).append(city)
    return {p: cities for p, cities in by_province.items() if len(cities) >= 5}


@pytest.mark.parametrize("province", sorted(_cities_by_province()))
def test_a_table_naming_many_places_is_tagged_with_none_of_them(province: str) -> None:
    """A provincial table of its cities (generated for every province of the division table, not
    written for any one) whose title names no place is no city's document, nor its province's; the
    same table titled by its province is the province's."""
    cities = _cities_by_province()[province]
    rows = "\n".join(f"{city},{100 + i},{1.5 + i / 10:.2f}" for i, city in enumerate(cities))
    table = f"各市高新技术企业数量\n地区,高新技术企业（家）,研发投入强度（%）\n{rows}\n"
    meta = infer_meta("各市高新技术企业.csv", table)
    assert (meta.region, meta.region_source) == ("", NOT_STATED), (province, meta.region)
    titled = infer_meta("各市高新技术企业.csv", f"{province}各市高新技术企业数量\n" + table.split("\n", 1)[1])
    assert region_of(titled.region) is not None and region_of(titled.region).name == region_of(province).name
