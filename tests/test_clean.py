"""Tests for ``assistant.ingest.clean``: each rule pinned to a real excerpt of the seed reports.

The excerpts below are copied from ``knowledge/000…004`` (some lines shortened by dropping whole
sentences from their middle). A rule that deletes too much loses a figure the assistant must cite;
a rule that deletes too little puts site furniture into the index. The last test runs the whole
cleaner on the five seeds and checks every gold evidence sentence survives.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

from assistant.ingest.clean import (
    clean_text,
    drop_boilerplate,
    join_broken_lines,
    join_page_markers,
    strip_pinyin,
    tidy_whitespace,
)

ROOT = Path(__file__).resolve().parents[1]
KNOWLEDGE = ROOT / "knowledge"
SEEDS = sorted(p.name for p in KNOWLEDGE.glob("00[0-4]_*.txt"))


def _squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


# --- pinyin --------------------------------------------------------------------------------------


def test_strip_pinyin_on_002() -> None:
    """002 was converted to Traditional with the reading glued after some characters."""
    raw = (
        "(一)科技工作呈現(xiàn)全所未有的良好局面\n"
        "3、專利申請、授權(quán)數(shù)翻番,表明科技人才、創(chuàng)新團隊集聚效應(yīng)得到彰顯"
    )
    assert (
        strip_pinyin(raw)
        == "(一)科技工作呈現全所未有的良好局面\n3、專利申請、授權數翻番,表明科技人才、創新團隊集聚效應得到彰顯"
    )


def test_strip_pinyin_keeps_real_brackets() -> None:
    """Brackets holding Chinese, digits or capitals are content (a document status, a year, an
    abbreviation) and must survive: only lower-case pinyin after a character is removed."""
    kept = [
        "先后出台XX县区科技创新工程管理实施细那么(试行)、XX县区市级科技创新工程验收财务审计管理方法(试行)",  # 003
        "出台XX县区科技创新专项资金管理方法(瑞政办(2023)60号)",  # 003
        "市級以上企業工程(技術)中心總數達72家",  # 002
        "组织企业申报信息技术(IT)类项目",
        "(一)深化科技体制改革,标准科技创新工程管理",  # 003
    ]
    for line in kept:
        assert strip_pinyin(line) == line


# --- page markers (000) --------------------------------------------------------------------------

# knowledge/000: each page of the scraped PDF starts with "N、" and cuts mid-word or mid-figure.
PAGES_000 = (
    "《2022区科技局工作报告 (6) .doc》由会员分享,可在线阅读,"
    "更多相关《2022区科技局工作报告 (6) .doc(6页珍藏版)》请在taowenge.com淘文阁网上搜索。\n"
    "1、区科技局工作报告 今年以来,我区科技创新工作在区委、区政府的正确领导和上级科技部门的关心指导下,"
    "紧紧围绕“实施创新驱动战略、打造科技钟楼”的总目标,按照年初确定的工作思路,突出重点,创新方法,深化服务,狠抓落实,"
    "有序推进各项工作任务的落实,为加快推进钟楼经济结构调整和发展方式转变,建设科技钟楼提供了支撑服务。 1、化危为机,"
    "夯实高新技术产业发展基础。\n"
    "2、我们将今年作为积极应对国际金融危机、加快调整产业结构,提升企业自主创新能力的“攻坚”之年。积极引导企业开展新标准高新技术企业认定工作。以税收优惠吸引企业申报,以申报带动企业增强研\n"
    "3、发和管理能力,以研发项目带动新增投入。今年全区共申报两批16家高新技术企业,已认定15家。同时开展了期满高新技术企业的复审工作,共复审企业19家,全部通过。全区新标准高企累计已达75家。5月,我们和组织部、开发区、新能\n"
    "4、源汽车研究院一起,成功举办了“千人计划(常州)新能源汽车研究院项目入驻仪式暨专题对接洽谈会”,与会当天邀请了10位国家“千人计划”人才,高校及专业领域专家30多人,为研究院的发展出谋划策,另有2个企业与高校院所签订了\n"
    "5、技术转让金额超过百万元的产学研合作协议。 3、搭建平台、精心打造科技创新创业载体。 "
    "积极引导扶持企业与科研院所加强技术、人才、项目合作,建设各类创新创业平台。研究院目前已有14个项目完成注册并入驻,"
    "总注册资本达到1\n"
    "6、.8亿,成为xx市科技公共服务平台。钟楼经济开发区成为xx市首批产学研合作创新示范基地。"
)


def test_join_page_markers_rejoins_words_and_figures_of_000() -> None:
    """The markers split "研发" and the figure "1.8亿": after joining both read whole, the page
    numbers are gone, and the real list item "1、化危为机" in the middle of a line is untouched."""
    joined = join_page_markers(PAGES_000)
    assert "以申报带动企业增强研发和管理能力" in joined
    assert "总注册资本达到1.8亿,成为xx市科技公共服务平台" in joined
    assert "新能源汽车研究院一起" in joined
    assert "签订了技术转让金额超过百万元" in joined
    assert "提供了支撑服务。 1、化危为机,夯实高新技术产业发展基础。" in joined
    assert "3、搭建平台、精心打造科技创新创业载体。" in joined
    lines = joined.split("\n")
    assert len(lines) == 2  # the site header line, then the six pages as one text
    assert lines[1].startswith("区科技局工作报告 今年以来")
    assert not any(re.match(r"\d+、", line) for line in lines)


def test_join_page_markers_ignores_numbering_out_of_order() -> None:
    """Numbering that doesn't run 1、2、3… is not pagination (here page 2 is missing): keep it."""
    lines = PAGES_000.split("\n")
    broken = "\n".join(lines[:2] + lines[3:])
    assert join_page_markers(broken) == broken


def test_short_numbered_list_of_002_is_not_joined() -> None:
    """The 002 outline is a real "1、…5、" list of short lines; joining it would glue five headings."""
    outline = (
        "(二)工作措施\n"
        "1、抓體系,注重區域創新環境構建\n"
        "2、抓重點,注重梯隊和新興產業培育\n"
        "3、抓核心,注重以企業為主體的研發和技術創新\n"
        "4、抓管理,注重提升科技服務水平\n"
        "5、抓考核,注重創新指標提升"
    )
    assert join_page_markers(outline) == outline


def test_long_numbered_paragraphs_ending_in_full_stops_are_not_joined() -> None:
    """The three work items of 000, laid out one per line as in the original report. Page breaks
    cut mid-sentence; items that each end with "。" are a list, and their numbers are headings the
    chunker uses for section paths."""
    items = (
        "1、化危为机,夯实高新技术产业发展基础。我们将今年作为积极应对国际金融危机、加快调整产业结构,提升企业自主创新能力的“攻坚”之年。积极引导和支持企业在加强技术研发和成果转化上下功夫,积极培育新的增长点,从而变经济危机为结构调整机遇。\n"
        "2、政企合力,深化培育企业自主创新能力。今年,区委、区政府主要领导多次亲自带队,率党政企代表团赴四川大学、西南交通大学、重庆大学、电子科技大学、合肥工业大学和中科院合肥物质科学研究院等大院大校开展产学研对接。\n"
        "3、搭建平台、精心打造科技创新创业载体。积极引导扶持企业与科研院所加强技术、人才、项目合作,建设各类创新创业平台。今年以来,全区共申报省、市级工程技术中心15家,商隆产业、亚美柯集团等5家企业被认定为“XX省外资研发机构”。"
    )
    assert join_page_markers(items) == items


def test_clean_text_joins_the_real_000_file() -> None:
    """End to end on the whole of 000: no page marker survives at a line start."""
    cleaned = clean_text((KNOWLEDGE / "000_ed9fd284b80e42d9.txt").read_text(encoding="utf-8"))
    assert "增强研发和管理能力" in cleaned
    assert "总注册资本达到1.8亿" in cleaned
    assert "二是注重专利的授权" in cleaned
    assert not re.search(r"(?m)^\d{1,2}、", cleaned)


# --- boilerplate ---------------------------------------------------------------------------------


def test_member_share_header_of_000_is_dropped() -> None:
    """The document-sharing site's banner line is not report text."""
    text = PAGES_000.split("\n")[0] + "\n区科技局工作报告"
    assert drop_boilerplate(text) == "区科技局工作报告"


def test_download_notice_block_of_003_is_dropped() -> None:
    """003 opens with the site's 温馨提示 block and a customer-service number."""
    raw = (
        "温馨提示:\n"
        "1. 部分包含数学公式或PPT动画的文件,查看预览时可能会显示错乱或异常,文件下载后无此问题,请放心下载。\n"
        "2. 本文档由用户上传,版权归属用户,汇文网负责整理代发布。如果您对本文档版权有争议请及时联系客服。\n"
        "3. 下载前请仔细阅读文档内容,确认文档内容符合您的需求后进行下载,若出现内容与标题不符可向本站投诉处理。\n"
        "4. 下载文档时可能由于网络波动等原因无法下载或下载错误,付费完成后未能成功下载的用户请联系客服处理。\n"
        "网站客服:3074922707\n"
        "市科技局XX年工作总结和XX年工作思路\n"
        "一、2023年工作举措及成效"
    )
    assert drop_boilerplate(raw) == "市科技局XX年工作总结和XX年工作思路\n一、2023年工作举措及成效"


def test_article_site_furniture_of_001_is_dropped() -> None:
    """001 carries a date/source line, an editor's note, 【概述】/【正文】 markers, a member's blurb
    and a 推荐访问 footer around the report; the title repeated by the template is kept once."""
    raw = (
        "科技创新工作总结 科技创新工作总结及2022年工作思路\n\n"
        "时间:2022-04-11 10:05:02 来源:网友投稿\n\n"
        "下面是小编为大家整理的科技创新工作总结 科技创新工作总结及2022年工作思路,供大家参考。\n\n"
        "科技创新工作总结 科技创新工作总结及2022年工作思路\n\n"
        "【概述】\n\n"
        "结合当前工作需要,的会员“hhtgrth”为你整理了这篇科技创新工作总结及2021年工作思路范文,希望能给你的学习、工作带来参考借鉴作用。\n\n"
        "【正文】\n\n"
        "一、2020年工作情况\n\n"
        "2.创新能力明显提升。全年新认定国家高企86家,有效期内国家高企达227家,列泰州第1;\n\n"
        "推荐访问:科技创新 工作总结 工作思路"
    )
    cleaned = clean_text(raw)
    assert cleaned == (
        "科技创新工作总结 科技创新工作总结及2022年工作思路\n\n"
        "一、2020年工作情况\n\n"
        "2.创新能力明显提升。全年新认定国家高企86家,有效期内国家高企达227家,列泰州第1;"
    )


def test_preface_of_004_is_dropped() -> None:
    """004 starts with the site's 前言 advertising its writing service."""
    raw = (
        "前言:本站为你精心整理了科技局科技创新总结范文,希望能为你的创作提供参考价值,我们的客服老师可以帮助你提供个性化的参考范文,欢迎咨询。\n"
        "*年,我市科技系统认真学习贯彻党的*大、*届三中全会精神,推动科技创新。全年组织实施国家、省、市科技计划项目138项,财政投入经费1457万元"
    )
    assert drop_boilerplate(raw) == raw.split("\n")[1]


# 002 after pinyin stripping: a pasted outline from 目錄/提綱 down to a teaser line ending "……".
TOC_002 = (
    "目錄/提綱:……\n"
    "一、工作開展情況\n"
    "(一)科技工作呈現全所未有的良好局面\n"
    "3、專利申請、授權數翻番,表明科技人才、創新團隊集聚效應得到彰顯\n"
    "(二)工作措施\n"
    "1、抓體系,注重區域創新環境構建\n"
    "(三)存在問題\n"
    "一是區域科技創新能力總體水平不高\n"
    "二、2014年工作目標\n"
    "(四)全力辦好“**杯”第九屆國際創新設計大賽,進一步提……\n"
    "區科技工作匯報材料\n"
    "近年來,**科技工作按照“創新驅動發展戰略”要求和國家、省市科技創新大會精神,科技工作取得較大進步。"
)


def test_pasted_table_of_contents_of_002_is_dropped() -> None:
    """The outline repeats every heading of the report; indexing it would make the headings match
    queries twice and split nothing useful. Everything from 目錄 to the "……" line goes."""
    assert drop_boilerplate(TOC_002) == (
        "區科技工作匯報材料\n"
        "近年來,**科技工作按照“創新驅動發展戰略”要求和國家、省市科技創新大會精神,科技工作取得較大進步。"
    )


def test_toc_heading_without_teaser_end_is_kept() -> None:
    """A 目录 without a "……" line is a real table of contents of a full document: nothing is cut."""
    text = "目录\n第一章 总则\n第二章 技术交易服务\n第三章 技术市场秩序\n第一条 为了促进技术交易,制定本条例。"
    assert drop_boilerplate(text) == text


def test_teaser_cut_and_truncation_tail_of_002() -> None:
    """The 新文秘网 paywall span and the "(未完,全文共5358字…" tail are removed, the report text
    before and after them is kept, and the 收藏《…》 line goes."""
    raw = (
        "1.研發經費投入占GDP比重快速提高,表明企業及企業主對科技投入的熱情高漲。2013年以企業為主體的區屬研發投入預計超9億元,占GDP比重將達2.7%以上,比2011年提高0.3\n"
        "……(新文秘網http://m.jey722.cn省略670字,正式會員可完整閱讀)……\n"
        "、市級15 家,市級以上企業工程(技術)中心總數達72家,區級以上115家\n"
        "5.抓考核,注重創新指標提升。認真按照國家、省市科技進步目標考核要求和創新指標 ……(未完,全文共5358字,"
        "當前僅顯示1881字,請閱讀下面提示信息。\n"
        "收藏《區科技工作匯報材料》)"
    )
    assert drop_boilerplate(raw) == (
        "1.研發經費投入占GDP比重快速提高,表明企業及企業主對科技投入的熱情高漲。2013年以企業為主體的區屬研發投入預計超9億元,占GDP比重將達2.7%以上,比2011年提高0.3\n"
        "\n"
        "、市級15 家,市級以上企業工程(技術)中心總數達72家,區級以上115家\n"
        "5.抓考核,注重創新指標提升。認真按照國家、省市科技進步目標考核要求和創新指標"
    )


def test_teaser_span_inside_a_line_keeps_both_sides() -> None:
    """The paywall span is cut out of a line, not the whole line."""
    raw = "比2011年提高0.3……(新文秘網http://m.jey722.cn省略670字,正式會員可完整閱讀)……、市級15家"
    assert drop_boilerplate(raw) == "比2011年提高0.3、市級15家"


def test_generated_summary_tail_of_000_is_dropped() -> None:
    """000 ends with a site-generated "内容总结(1)…(2)…" that repeats sentences out of context."""
    raw = (
        "一是科技资源偏少,新增点不足,影响科技创新的争先进位。四是由于产业结构调整,未来钟楼科技创新的难度将更大。 "
        "内容总结(1)区科技局工作报告 今年以来,我区科技创新工作在区委、区政府的正确领导和上级科技部门的关心指导下,"
        "建设科技钟楼提供了支撑服务(2)一是以各级各类科技计划项目为抓手,争取上级科技项目立项和经费扶持"
    )
    assert (
        drop_boilerplate(raw)
        == "一是科技资源偏少,新增点不足,影响科技创新的争先进位。四是由于产业结构调整,未来钟楼科技创新的难度将更大。"
    )


def test_page_footer_of_003_is_dropped() -> None:
    """003 ends with the viewer's "第9页 共9页" footer."""
    raw = "科技进步只有起点,没有终点。我们要进一步增强改革、创新、效劳、建设的意识。\n第9页 共9页"
    assert drop_boilerplate(raw) == "科技进步只有起点,没有终点。我们要进一步增强改革、创新、效劳、建设的意识。"


# --- whitespace and lost glyphs ------------------------------------------------------------------


def test_number_is_glued_to_its_unit() -> None:
    """002 has "市級15 家": a space between figure and unit would let the chunker or a reader
    see "15" and "家" apart; full-width and tab blanks collapse to one space."""
    assert (
        tidy_whitespace("、市級15 家,市級以上企業工程(技術)中心總數達72家")
        == "、市級15家,市級以上企業工程(技術)中心總數達72家"
    )
    assert (
        tidy_whitespace("## 第一章\u3000总则\r\n\r\n\r\n\r\n第一条\t为了促进技术交易")
        == "## 第一章 总则\n\n第一条 为了促进技术交易"
    )


def test_markdown_info_comment_and_zero_width_characters_are_removed() -> None:
    """Regulation files carry an "<!-- INFO END -->" marker; converters leave zero-width spaces."""
    raw = "2012年3月1日 施行\n\n<!-- INFO END -->\n\n## 第一章\u3000总则\u200b\ufeff"
    assert tidy_whitespace(raw) == "2012年3月1日 施行\n\n## 第一章 总则"


def test_private_use_glyph_becomes_a_visible_placeholder() -> None:
    """杭州条例 第十八条 has a lost glyph (U+E010) inside "1?20元": it must not vanish, or the text
    would read "120元" and be cited as a figure that the law does not state."""
    raw = (
        "市财政每年应当安排人均不少于1\ue01020元的科学技术普及专项经费，区、县（市）"
        "财政每年应当安排不少于人均1\ue01070元的科学技术普及专项经费"
    )
    cleaned = clean_text(raw)
    assert "人均不少于1□20元" in cleaned
    assert "不少于人均1□70元" in cleaned
    assert "120元" not in cleaned and "170元" not in cleaned


# --- whole documents ------------------------------------------------------------------------------


def _gold_items() -> list[dict]:
    with (ROOT / "eval" / "gold.jsonl").open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


@pytest.mark.parametrize("seed", SEEDS)
def test_clean_text_keeps_every_gold_evidence_sentence(seed: str) -> None:
    """The gold evidence sentences carry the figures the assistant is graded on; cleaning a seed
    report must keep each of them (compared without whitespace). Multi-source items check each
    evidence against all their sources, since one evidence belongs to one source.

    The one 000 evidence that spans a page marker ("总注册资本达到1.8亿") is not skipped: it only
    holds after the marker join, so it is the best check that the join works on the real file.
    """
    cleaned = {seed: _squeeze(clean_text((KNOWLEDGE / seed).read_text(encoding="utf-8")))}
    missing = []
    for item in _gold_items():
        sources = item.get("sources") or []
        if seed not in sources:
            continue
        for name in sources:
            if name not in cleaned:
                cleaned[name] = _squeeze(clean_text((KNOWLEDGE / name).read_text(encoding="utf-8")))
        for evidence in item["evidence"]:
            if not any(_squeeze(evidence) in cleaned[name] for name in sources):
                missing.append((item["id"], evidence))
    assert not missing


def test_clean_text_removes_all_seed_boilerplate() -> None:
    """After cleaning, none of the site furniture of the five seeds is left anywhere."""
    noise = [
        "由会员分享",
        "淘文阁",
        "温馨提示",
        "网站客服",
        "来源:网友投稿",
        "下面是小编",
        "【概述】",
        "【正文】",
        "为你整理了",
        "推荐访问",
        "前言:本站",
        "目錄",
        "提綱",
        "新文秘網",
        "省略670字",
        "未完,全文共",
        "收藏《",
        "内容总结",
        "第9页 共9页",
        "(xiàn)",
        "(quán)",
    ]
    for seed in SEEDS:
        cleaned = clean_text((KNOWLEDGE / seed).read_text(encoding="utf-8"))
        left = [n for n in noise if n in cleaned]
        assert not left, (seed, left)
        assert not re.search(r"[\u3400-\u9fff][(（][a-zāáǎàēéěèīíǐìōóǒòūúǔùü]{1,7}[)）]", cleaned), seed


# -- hard-wrapped text (a PDF's text layer) ------------------------------------------------------
# Written for 黔东南州's 2023 bulletin (fresh-2026-12, set 26 characters wide: 生产总 / 值1329.65亿元).
# Checked on documents that are not wrapped at all, wrapped here at widths from 24 to 60 half-widths
# the way a typesetter does (no line starts with closing punctuation, a number is never cut): a
# regulation of knowledge/ and 洛阳's 2023 bulletin (TXT). No sentence stays cut, and no two
# paragraphs are joined (a wrapped line that happens to end a sentence may stay a line of its own).
_NO_LINE_START = set("，。、；：？！”’）》%‰,.;:")
_UNBREAKABLE = re.compile(r"[A-Za-z\d.%:,]+|.", re.S)
_WRAP_SOURCES = [
    KNOWLEDGE / "浙江省促进科技成果转化条例(2021-09-30).md",
    KNOWLEDGE.parent.parent / "shared/corpora/fresh-2026-12/HYSkyline-squan_kw__luoyang_2023_tongji_gongbao.txt",
]


def _hard_wrap(paragraph: str, width: int) -> list[str]:
    lines, line = [], ""
    for piece in _UNBREAKABLE.findall(paragraph):
        cells = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line + piece)
        if cells > width and line and piece[0] not in _NO_LINE_START:
            lines.append(line)
            line = ""
        line += piece
    return [*lines, line]


@pytest.mark.parametrize("width", [24, 26, 30, 36, 44, 60])
@pytest.mark.parametrize("source", _WRAP_SOURCES, ids=["regulation-md", "luoyang-txt"])
def test_hard_wrapped_paragraphs_are_rejoined_whole(source: Path, width: int) -> None:
    if not source.exists():
        pytest.skip(f"{source} is not beside the project")
    paragraphs = [
        line.strip()
        for line in tidy_whitespace(source.read_text(encoding="utf-8")).splitlines()
        if line.strip().endswith("。") and not line.startswith("（")
    ]
    wrapped = [piece for p in paragraphs for piece in _hard_wrap(p, width)]
    assert len(wrapped) > 2 * len(paragraphs)  # most paragraphs took several lines
    joined = join_broken_lines("\n".join(wrapped)).split("\n")
    cut = [line for line in joined if not line.endswith(("。", "；", "！", "？"))]
    merged = [line for line in joined if not any(line in p for p in paragraphs)]
    assert not cut and not merged, (cut[:3], merged[:3])


def test_a_short_last_line_ends_its_paragraph_even_without_a_full_stop() -> None:
    """The line above decides, not the paragraph joined so far: 周口's bulletin sets a chart caption
    (图1 …) under a paragraph whose last, short line has no 。."""
    para = [
        "根据市（州）生产总值统一核算结果，全年全州生产总",
        "值1329.65亿元，比上年增长4.0%，两年平均增长3.1%。其",
        "中，第一产业增加值277.25亿元，增长4.2%；第二产业增",
        "加值294.25亿元，增长3.9%",
    ] * 3
    joined = join_broken_lines("\n".join([*para, "图1 2019-2023年地区生产总值", *para])).split("\n")
    assert "图1 2019-2023年地区生产总值" in joined
    assert all(line.endswith("增长3.9%") for line in joined if not line.startswith("图1"))
