"""The gazetteer over cpca's national division table: levels, short names, towns, ambiguity."""

from __future__ import annotations

from collections import Counter

import pytest

from assistant.ingest.clean import clean_text
from assistant.ingest.readers import read_document
from assistant.language.divisions import ethnic_groups, name_forms
from assistant.language.places import find_places, gazetteer, region_of
from assistant.settings import PROJECT_ROOT

CORPORA = PROJECT_ROOT.parent / "shared" / "corpora"


def _named(text: str) -> list[tuple[str, str, str]]:
    return [(p.name, p.full_name, p.level) for p in find_places(text)]


def test_the_table_is_read_from_the_installed_package_once() -> None:
    assert gazetteer() is gazetteer()
    place = find_places("泰兴市")[0]
    assert (place.full_name, place.level, place.province, place.city, place.adcode) == (
        "泰兴市",
        "county",
        "江苏省",
        "泰州市",
        "321283000000",
    )


@pytest.mark.parametrize(
    ("text", "full_name", "level", "province"),
    [
        ("泰兴2020年", "泰兴市", "county", "江苏省"),
        ("钟楼2012年", "钟楼区", "county", "江苏省"),
        ("浙江有多少家", "浙江省", "province", "浙江省"),
        ("内蒙古的研发投入", "内蒙古自治区", "province", "内蒙古自治区"),
        ("延边的专利", "延边朝鲜族自治州", "city", "吉林省"),
        ("泸州市科技局", "泸州市", "city", "四川省"),
        ("香港和澳门", "香港特别行政区", "province", "香港特别行政区"),
        ("北京海淀区", "北京市", "province", "北京市"),
    ],
)
def test_short_and_full_names_at_every_level(text: str, full_name: str, level: str, province: str) -> None:
    place = find_places(text)[0]
    assert (place.full_name, place.level, place.province) == (full_name, level, province)


@pytest.mark.parametrize("text", ["全国", "我国", "全国各地", "中国", "国家"])
def test_the_nation_is_a_place(text: str) -> None:
    assert [(p.full_name, p.level) for p in find_places(f"{text}R&D经费")] == [("全国", "national")]


def test_a_national_rank_is_not_the_nation() -> None:
    assert find_places("国家级孵化器有几家") == []


@pytest.mark.parametrize(
    "text",
    [
        "更好地推动我市企业研究开发",  # 我市 names no place
        "在中国境内（不包括港、澳、台地区）注册",  # 台地区 is no division
        "产学研合作不断深化",
        "延长期限",
        "培育新兴产业",
        "推进科技下乡和乡村振兴",
        "各乡镇、街道和开发区",
        "科技创新和产业发展",
        "发展大城市",
        "落实惠民政策",
        "主城区",
    ],
)
def test_ordinary_words_are_no_places(text: str) -> None:
    assert [p for p in find_places(text) if p.level != "national"] == []


def test_a_town_is_recognised_by_suffix_with_the_parent_the_text_gives() -> None:
    town = next(p for p in find_places("泰兴市黄桥镇2020年高新技术企业有多少家") if p.level == "town")
    assert (town.name, town.county, town.city, town.province) == ("黄桥镇", "泰兴市", "泰州市", "江苏省")
    assert region_of("泰兴市黄桥镇2020年").full_name == "黄桥镇"
    alone = find_places("黄桥镇的GDP是多少")
    assert [(p.name, p.level, p.county) for p in alone] == [("黄桥镇", "town", "")]


def test_zones_named_by_their_city() -> None:
    zone = find_places("常州高新区的企业")[-1]
    assert (zone.name, zone.level, zone.city) == ("常州高新区", "town", "常州市")
    assert [p.level for p in find_places("国家高新区")] == ["national"]  # a category, not a zone


def test_ambiguous_short_names_follow_the_other_places_of_the_text() -> None:
    assert find_places("辽宁朝阳2020年")[1].full_name == "朝阳市"
    beijing = find_places("北京朝阳区")[1]
    assert (beijing.full_name, beijing.province) == ("朝阳区", "北京市")
    changchun = find_places("吉林省长春市朝阳区")[-1]
    assert (changchun.province, changchun.city) == ("吉林省", "长春市")
    assert find_places("吉林")[0].level == "province"  # the higher level when nothing else decides


def test_region_of_is_the_most_specific_place_of_the_leading_chain() -> None:
    assert region_of("常州市钟楼区科技局工作报告").full_name == "钟楼区"
    assert region_of("江苏省泰兴市科技局").full_name == "泰兴市"
    assert region_of("2019年全国科技经费投入统计公报").level == "national"
    assert region_of("关于推动高质量发展的意见") is None


@pytest.mark.parametrize(
    ("text", "full_name"),
    [
        ("黔东南苗族侗族自治州2023年", "黔东南苗族侗族自治州"),
        ("黔东南州统计局", "黔东南苗族侗族自治州"),
        ("黔东南的专利", "黔东南苗族侗族自治州"),
        ("恩施州", "恩施土家族苗族自治州"),
        ("湘西州", "湘西土家族苗族自治州"),
        ("延边州", "延边朝鲜族自治州"),
        ("阿坝州", "阿坝藏族羌族自治州"),
        ("伊犁州", "伊犁哈萨克自治州"),
        ("锡林郭勒盟", "锡林郭勒盟"),
        ("锡林郭勒的", "锡林郭勒盟"),
        ("大兴安岭地区", "大兴安岭地区"),
        ("神农架林区", "神农架林区"),
        ("广西的", "广西壮族自治区"),
        ("新疆的", "新疆维吾尔自治区"),
        ("宁夏的", "宁夏回族自治区"),
        ("西藏的", "西藏自治区"),
        ("鄂温克旗", "鄂温克族自治旗"),
        ("大厂县", "大厂回族自治县"),
        ("吉林省延边朝鲜族自治州", "延边朝鲜族自治州"),
    ],
)
def test_every_name_form_of_an_autonomous_division_league_or_prefecture(text: str, full_name: str) -> None:
    assert find_places(text)[-1].full_name == full_name


def test_every_autonomous_prefecture_of_the_table_is_named_by_its_zhou_form() -> None:
    """Generated from the table: no hand list of prefectures."""
    prefectures = sorted(
        name
        for name, divisions in gazetteer().names.items()
        if name.endswith("自治州") and any(d.full_name == name for d in divisions)
    )
    assert len(prefectures) >= 30
    for full in prefectures:
        place = find_places(f"{name_forms(full, ethnic_groups())[1]}2023年GDP")[0]
        assert place.full_name == full, full


@pytest.mark.parametrize(
    "text",
    [
        "长安汽车的销量",
        "华夏银行的贷款",
        "东方红，太阳升",
        "中山大学的研究",
        "北京大学",
        "江苏银行",
        "江苏省人民医院",
        "中国工商银行",
        "国家开发银行",
        "记者王泰兴报道",
        "刘延安说",
        "王长春同志表示",
        "景德镇学院",
        "合作项目",
        "进一步加强合作",
    ],
)
def test_near_misses_name_no_place(text: str) -> None:
    assert find_places(text) == []


def test_an_ordinary_word_is_a_place_beside_its_parent_or_in_its_parents_document() -> None:
    assert [p.full_name for p in find_places("甘肃合作")] == ["甘肃省", "合作市"]
    assert find_places("常熟的成果") == []  # jieba knows 常熟 as an ordinary word
    assert find_places("常熟的成果", around="苏州市")[0].full_name == "常熟市"
    assert find_places("合作的成果", around="甘南藏族自治州") == []  # places.toml rejects 合作: only after its parent
    assert [p.full_name for p in find_places("大同市城区")] == ["大同市", "城区"]
    assert find_places("城区常住人口", around="大同市") == []  # 城区 in a document is any city's urban area


@pytest.mark.parametrize(
    ("around", "city"), [("南京市", "南京市"), ("徐州市", "徐州市"), ("福州市", "福州市"), ("开封市", "开封市")]
)
def test_a_shared_name_is_the_one_in_the_documents_region(around: str, city: str) -> None:
    place = find_places("鼓楼区2023年高新技术企业", around=around)[0]
    assert (place.full_name, place.city) == ("鼓楼区", city)


def test_a_shared_name_follows_the_text_before_the_documents_region() -> None:
    assert find_places("北京通州", around="南通市")[1].city == "北京市"
    assert find_places("通州区的专利", around="南通市")[0].city == "南通市"
    assert find_places("通州区的专利", around="北京市")[0].city == "北京市"


def test_the_fresh_qiandongnan_bulletin_names_its_prefecture_by_the_short_form() -> None:
    """黔东南 2023 bulletin (../shared/corpora/fresh-2026-12, not written for these rules): its text
    layer starts with "黔东南州统计局"; its S&T paragraph and tables say 黔东南州 / 全州."""
    path = CORPORA / "fresh-2026-12" / "HYSkyline-squan_kw__qiandongnan_2023_tongji_gongbao.pdf"
    if not path.exists():
        pytest.skip("../shared/corpora is absent")
    text = clean_text(read_document(path))
    head = find_places(text[:200])
    assert head and head[0].full_name == "黔东南苗族侗族自治州"
    named = Counter(p.full_name for p in find_places(text[:20000]) if p.level in ("city", "county"))
    assert named.most_common(1)[0][0] == "黔东南苗族侗族自治州"


def test_a_place_inside_an_organisations_name_never_sets_a_documents_region() -> None:
    """A report that names 中山大学 and 北京银行 in every sentence is not 中山市's or 北京市's."""
    from assistant.ingest.manifest import infer_meta

    text = "\n".join(
        [
            "产学研合作情况汇报",
            "一、合作概况",
            "我单位与中山大学共建实验室2个。",
            "中山大学派驻专家12名。",
            "北京银行提供科技贷款3亿元。",
            "中山大学、北京银行与我单位签订协议。",
            "北京银行设立科技支行。",
        ]
    )
    meta = infer_meta("汇报.txt", text)
    assert meta.region == "", meta
