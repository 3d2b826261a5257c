"""Figures are matched by parsed value, never by substring; the traps below are the reason why."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from assistant.language.figures import Figure, extract_figures, figure_in

GOLD = Path(__file__).resolve().parents[1] / "eval" / "gold.jsonl"


def _checked(text: str) -> list[Figure]:
    """The figures of ``text`` that an answer's check covers: years and dates are not checked."""
    return [f for f in extract_figures(text) if not f.is_year]


def _summary(text: str) -> list[tuple[str, float, str, bool]]:
    return [(f.text, f.value, f.unit, f.is_year) for f in extract_figures(text)]


# (id, text, expected [(text, value, unit, is_year)])
EXTRACT_CASES = [
    ("yi-yuan", "投入26.8亿元,同比增长37.7%", [("26.8亿元", 2.68e9, "元", False), ("37.7%", 37.7, "%", False)]),
    ("wan-tou", "生猪出栏12.29万头", [("12.29万头", 122900.0, "头", False)]),
    ("year-inside-number", "交易额25832023万元", [("25832023万元", 258320230000.0, "元", False)]),
    ("year", "2020年,泰兴市", [("2020年", 2020.0, "年", True)]),
    ("year-du", "2019年度全社会研发", [("2019年度", 2019.0, "年", True)]),
    ("year-range", "认定为2014—2017年度浙江省", [("2014—2017年度", 2014.0, "年", True)]),
    ("date", "9月8日,市委", [("9月", 9.0, "月", True), ("8日", 8.0, "日", True)]),
    (
        "full-date",
        "本条例自2004年11月1日起施行",
        [("2004年", 2004.0, "年", True), ("11月", 11.0, "月", True), ("1日", 1.0, "日", True)],
    ),
    ("month-range", "1-10月", [("1-10月", 1.0, "月", True)]),
    ("month-lost-hyphen", "从110月工作完成情况看", [("110月", 110.0, "月", True)]),
    ("cn-date", "每年三月三十日前", [("三月", 3.0, "月", True), ("三十日", 30.0, "日", True)]),
    ("bare-year", "2013 再出发", [("2013", 2013.0, "", True)]),
    ("two-batches", "共申报两批16家高新技术企业", [("16家", 16.0, "家", False)]),
    ("range-ge", "满足3-5个项目", [("3-5个", 3.0, "个", False)]),
    ("range-jia", "新增120-125家", [("120-125家", 120.0, "家", False)]),
    ("cn-percent", "不低于百分之七十的比例", [("百分之七十", 70.0, "%", False)]),
    ("cn-percent-pair", "分别不低于百分之六和百分之四", [("百分之六", 6.0, "%", False), ("百分之四", 4.0, "%", False)]),
    ("cn-percent-hundred", "百分之百计发", [("百分之百", 100.0, "%", False)]),
    (
        "cn-yuan-range",
        "处以五千元以上二万元以下的罚款",
        [("五千元", 5000.0, "元", False), ("二万元", 20000.0, "元", False)],
    ),
    ("cn-wan-yuan", "未超过五百万元的部分", [("五百万元", 5e6, "元", False)]),
    ("cn-duration-day", "之日起十日内", [("十日", 10.0, "日", False)]),
    ("cn-duration-year", "五年内不得申报", [("五年", 5.0, "年", False)]),
    ("cn-month-count", "最长不得超过一个月", [("一个月", 1.0, "个月", False)]),
    ("cn-workday", "三个工作日内", [("三个工作日", 3.0, "工作日", False)]),
    ("for-two-years", "开展为期两年的科技服务", [("两年", 2.0, "年", False)]),
    ("percentage-point", "提高0.3个百分点", [("0.3个百分点", 0.3, "个百分点", False)]),
    ("renci-longest", "参与12万人次", [("12万人次", 120000.0, "人次", False)]),
    ("approx", "申报项目达200多項", [("200多項", 200.0, "项", False)]),
    ("traditional", "財政科技資金2000萬元", [("2000萬元", 2e7, "元", False)]),
    ("full-width", "新增８６家", [("８６家", 86.0, "家", False)]),
    ("thousands", "1,000万元", [("1,000万元", 1e7, "元", False)]),
    ("space-before-unit", "2350 万元", [("2350 万元", 2.35e7, "元", False)]),
    ("renminbi", "5亿人民币", [("5亿人民币", 5e8, "元", False)]),
    ("no-unit", "协议金额达到3200万,带动投入4.1亿", [("3200万", 3.2e7, "", False), ("4.1亿", 4.1e8, "", False)]),
    ("misplaced-unit", "产值亿295.1元", [("295.1元", 295.1, "元", False)]),
    ("ordinal-cn", "第一条 为了促进科技进步", []),
    ("ordinal-ar", "列泰州第1,全省第6", []),
    ("yi-shi", "一是加强平台建设,二是完善政策", []),
    ("words", "一系列举措、一批企业、一站式服务、一次性奖励、一个平台", []),
    ("five-year-plan", "“十三五”期间、十四五期间", []),
    ("shifen", "十分重要", []),
    ("list-markers", "1.创新生态 2、人才 (3)平台", []),
    ("split-by-page-marker", "1\n6、.8亿", [("1", 1.0, "", False)]),
    ("clock-and-iso-date", "2022-04-11 10:05:02", [("2022-04", 2022.0, "", True)]),
    ("letters", "5G基站和R&D", []),
]


@pytest.mark.parametrize("text, expected", [c[1:] for c in EXTRACT_CASES], ids=[c[0] for c in EXTRACT_CASES])
def test_extract(text: str, expected: list[tuple[str, float, str, bool]]) -> None:
    assert _summary(text) == expected


@pytest.mark.parametrize("text", [c[1] for c in EXTRACT_CASES], ids=[c[0] for c in EXTRACT_CASES])
def test_offsets_point_at_original_text(text: str) -> None:
    for fig in extract_figures(text):
        assert text[fig.start : fig.end] == fig.text


def test_range_keeps_both_ends() -> None:
    (fig,) = extract_figures("3-5万元")
    assert (fig.exact, fig.upper, fig.unit) == (Decimal(30000), Decimal(50000), "元")


# (id, answer, passage, verified)
TRAPS = [
    ("86-vs-8.6", "86家", "新增8.6家", False),
    ("8.6-vs-86", "8.6%", "占比86%", False),
    ("2.65-vs-2.6", "2.65%", "研发投入占比2.6%", False),
    ("2.65-vs-26.5", "2.65%", "研发投入占比26.5%", False),
    ("2.65-same", "2.65%", "研发投入占比达2.65%", True),
    ("yi-eq-wan", "1.5亿元", "减免税收15000万元", True),
    ("yi-eq-yuan", "1.5亿元", "减免税收150,000,000元", True),
    ("yi-vs-wan", "1.5亿元", "减免税收1.5万元", False),
    ("year-in-number-not-2023", "2023万元", "交易额25832023万元", False),
    ("bare-2023-not-number", "25832023万元", "2023年,我市交易额", False),
    ("bare-2023-unitless", "25832023万元", "2023", False),
    ("86-not-in-186", "86家", "累计186家", False),
    ("86-not-in-1986", "86家", "成立于1986年", False),
    ("86-not-in-2086", "86家", "编号2086", False),
    ("thousands-sep", "1,000万元", "设立1000万元基金", True),
    ("thousands-sep-fullwidth", "1000万元", "设立1，000万元基金", True),
    ("full-width-digits", "８６家", "新增86家", True),
    ("full-width-answer", "86家", "新增８６家", True),
    ("traditional-yi", "9亿元", "預計超9億元", True),
    ("traditional-answer", "9億元", "预计超9亿元", True),
    ("traditional-wan", "1317.7万元", "技術市場交易額1317.7萬元", True),
    ("cn-percent-eq-arabic", "百分之七十", "不低于70%", True),
    ("arabic-eq-cn-percent", "70%", "不低于百分之七十的比例", True),
    ("cn-percent-vs-60", "百分之七十", "不低于百分之六十", False),
    ("trailing-zero", "48.6%", "贡献率48.60%", True),
    ("percent-vs-wan", "37.7%", "投入37.7万元", False),
    ("percent-vs-yuan", "37.7%", "单价37.7元", False),
    ("wan-same", "2350万元", "拍卖成交2350万元", True),
    ("decimal-yi-eq-wan", "0.235亿元", "拍卖成交2350万元", True),
    ("no-unit-answer", "3200万", "协议金额3200万元", True),
    ("no-unit-passage", "4.1亿元", "带动企业项目投入4.1亿", True),
    ("unitless-vs-misplaced", "295.1", "产值亿295.1元", True),
    ("different-units", "15家", "签约15个", False),
    ("hu-vs-jia", "60户", "累计60家", False),
    ("two-batches", "16家", "共申报两批16家高新技术企业,已认定15家", True),
    ("range-same", "3-5个", "招引3-5个高层次人才", True),
    ("range-fullwidth-tilde", "3-5个", "招引3～5个高层次人才", True),
    ("range-other-end", "3-6个", "招引3-5个高层次人才", False),
    ("range-not-single", "3个", "招引3-5个高层次人才", False),
    ("single-not-range", "3-5个", "招引3个人才和5个团队", False),
    ("range-lower-bound", "五千元", "处以五千元以上二万元以下的罚款", True),
    ("date-is-not-evidence", "8个", "9月8日召开", False),
    ("list-marker-is-not-evidence", "5个", "5.科技服务", False),
    ("wan-renci", "120000人次", "参与12万人次", True),
]


@pytest.mark.parametrize("answer, passage, expected", [t[1:] for t in TRAPS], ids=[t[0] for t in TRAPS])
def test_traps(answer: str, passage: str, expected: bool) -> None:
    figures = _checked(answer)
    assert len(figures) == 1, figures
    assert figure_in(figures[0], passage) is expected


def test_years_and_ordinals_are_not_checked() -> None:
    figures = _checked("根据第十五条,2019年度研发投入占比2.65%,9月8日起施行")
    assert [f.text for f in figures] == ["2.65%"]
    assert figure_in(figures[0], "研发投入占比2.65%")


def test_hand_built_figure_gets_exact_value() -> None:
    fig = Figure("0.235亿元", 23500000.0, "元", 0, 7, False)
    assert fig.exact == Decimal("23500000.0")
    assert figure_in(fig, "拍卖成交2350万元")


# --- gold: every gold figure is extractable from itself and stated in its evidence --------------

# Ordinal ranks are deliberately not figures ("第N" is skipped, like 第一条).
_GOLD_ORDINALS = {"全省第6"}
# Whole dates: only year/date parts, nothing to check.
_GOLD_DATES = {"2004年11月1日", "三月三十日"}


def _gold_cases() -> list[tuple[str, str, list[str]]]:
    cases = []
    for line in GOLD.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        for fig in item.get("figures") or []:
            if item.get("evidence"):
                cases.append((item["id"], fig, item["evidence"]))
    return cases


_GOLD = _gold_cases()


def _expected_count(fig: str) -> int:
    if fig in _GOLD_ORDINALS or fig in _GOLD_DATES:
        return 0
    if "以上" in fig and "以下" in fig or fig == "百分之六和百分之四":
        return 2
    return 1


def test_gold_has_figures() -> None:
    assert len(_GOLD) > 100


@pytest.mark.parametrize("fig, evidence", [c[1:] for c in _GOLD], ids=[f"{c[0]}:{c[1]}" for c in _GOLD])
def test_gold_figure(fig: str, evidence: list[str]) -> None:
    found = extract_figures(fig)
    checkable = [f for f in found if not f.is_year]
    assert len(checkable) == _expected_count(fig), found
    if fig in _GOLD_DATES:
        assert found and all(f.is_year for f in found)
    missing = [f for f in checkable if not any(figure_in(f, e) for e in evidence)]
    assert not missing, missing
