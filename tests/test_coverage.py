"""A region is covered where any document or fact row covers it, and a refusal states the true
reason for what it declines.

Real parts throughout: the 2019 national R&D bulletin (../shared/corpora/bulletins-policies, its
附表2 holds 31 provinces as table rows) and the 黔东南 2023 bulletin (fresh-2026-12, a PDF none of
these rules was written for) ingested by the real pipeline into an embedded Chroma, the fact table
derived from it, and the extractive answer path.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.answer.chain import Answerer
from assistant.answer.coverage import Asked, Coverage, full_name
from assistant.facts.store import open_facts
from assistant.index.store import ChunkStore
from assistant.ingest.pipeline import ingest
from assistant.settings import PROJECT_ROOT, Settings

CORPORA = PROJECT_ROOT.parent / "shared" / "corpora"
FILES = [
    CORPORA / "bulletins-policies" / "huhuaping-techme__nbs_2019_quanguo_keji_jingfei_touru_tongji_gongbao.html",
    CORPORA / "fresh-2026-12" / "HYSkyline-squan_kw__qiandongnan_2023_tongji_gongbao.pdf",
]


@pytest.fixture(scope="module")
def indexed(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    if not all(f.exists() for f in FILES):
        pytest.skip("../shared/corpora is absent")
    settings = Settings(
        data_dir=data_dir, index_dir=tmp_path_factory.mktemp("coverage-index"), knowledge_dir=PROJECT_ROOT / "knowledge"
    )
    report = ingest(settings, FILES, progress=False)
    assert not report.failed, report.failed
    return settings


@pytest.fixture(scope="module")
def coverage(indexed: Settings) -> Coverage:
    store = ChunkStore(indexed)
    return Coverage.of(store.list_documents(), open_facts(indexed, store))


def test_a_province_row_of_a_national_table_covers_the_province(coverage: Coverage) -> None:
    for province in ("陕西省", "河北省", "北京市", "湖北省", "湖南省", "西藏自治区"):
        assert coverage.gap(Asked(province, year=2019, indicator="R&D经费")) is None, province


def test_each_reason_is_the_true_one(coverage: Coverage) -> None:
    absent = coverage.gap(Asked("东莞市", "东莞", 2019))
    assert absent is not None and absent.kind == "region" and absent.reason().startswith("资料中没有关于东莞的")
    year = coverage.gap(Asked("陕西省", "陕西", 2015, "R&D经费"))
    assert year is not None and year.kind == "year" and "2019年" in year.reason() and "2015年" in year.reason()
    indicator = coverage.gap(Asked("陕西省", "陕西", 2019, "高新技术企业数"))
    assert indicator is not None and indicator.kind == "indicator" and "高新技术企业数" in indicator.reason()
    assert coverage.gap(Asked(full_name("黔东南州"), "黔东南州", 2023)) is None  # the document, by its short form


@pytest.fixture(scope="module")
def answerer(indexed: Settings) -> Answerer:
    return Answerer(indexed, backend="extractive")


@pytest.mark.parametrize(
    ("question", "figure"),
    [
        ("2019年陕西R&D经费是多少？", "584.6"),
        ("湖北省R&D经费和投入强度分别是多少", "957.9"),  # two indicators: retrieval, not the fact lookup
        ("2023年黔东南州高新技术企业有多少家？", "52家"),
    ],
)
def test_a_region_held_as_a_row_or_by_a_short_name_is_answered(answerer: Answerer, question: str, figure: str) -> None:
    answer = answerer.ask(question)
    assert not answer.refused and figure in answer.answer, answer.answer


@pytest.mark.parametrize(
    ("question", "reason"),
    [
        ("2019年东莞市R&D经费是多少？", "资料中没有关于东莞市的文件或数据"),
        ("2019年陕西省高新技术企业有多少家？", "资料中有陕西省2019年的数据，但没有"),
        ("2023年黔东南州专利授权量是多少件？", "资料中有黔东南州2023年的数据，但没有"),
    ],
)
def test_a_refusal_states_the_true_reason(answerer: Answerer, question: str, reason: str) -> None:
    answer = answerer.ask(question)
    assert answer.refused and reason in answer.answer, answer.answer
    assert "资料中没有关于陕西省的文件" not in answer.answer
