"""The gazetteer over cpca's national division table: levels, short names, towns, ambiguity."""

from __future__ import annotations

import pytest

from assistant.places import find_places, gazetteer, region_of


def _named(text: str) -> list[tuple[str, str, str]]:
    return [(p.name, p.full_name, p.level) for p in find_places(text)]


def test_the_table_is_read_from_the_installed_package_once() -> None:
    assert gazetteer() is gazetteer()
    place = find_places("泰兴市")[0]
    assert (place.full_name, place.level, place.province, place.city, place.adcode) == (
        "泰兴市", "county", "江苏省", "泰州市", "321283000000")


@pytest.mark.parametrize(("text", "full_name", "level", "province"), [
    ("泰兴2020年", "泰兴市", "county", "江苏省"),
    ("钟楼2012年", "钟楼区", "county", "江苏省"),
    ("浙江有多少家", "浙江省", "province", "浙江省"),
    ("内蒙古的研发投入", "内蒙古自治区", "province", "内蒙古自治区"),
    ("延边的专利", "延边朝鲜族自治州", "city", "吉林省"),
    ("泸州市科技局", "泸州市", "city", "四川省"),
    ("香港和澳门", "香港特别行政区", "province", "香港特别行政区"),
    ("北京海淀区", "北京市", "province", "北京市"),
])
def test_short_and_full_names_at_every_level(text: str, full_name: str, level: str, province: str) -> None:
    place = find_places(text)[0]
    assert (place.full_name, place.level, place.province) == (full_name, level, province)


@pytest.mark.parametrize("text", ["全国", "我国", "全国各地", "中国", "国家"])
def test_the_nation_is_a_place(text: str) -> None:
    assert [(p.full_name, p.level) for p in find_places(f"{text}R&D经费")] == [("全国", "national")]


def test_a_national_rank_is_not_the_nation() -> None:
    assert find_places("国家级孵化器有几家") == []


@pytest.mark.parametrize("text", [
    "更好地推动我市企业研究开发",  # 我市 names no place
    "在中国境内（不包括港、澳、台地区）注册",  # 台地区 is no division
    "产学研合作不断深化", "延长期限", "培育新兴产业", "推进科技下乡和乡村振兴", "各乡镇、街道和开发区",
    "科技创新和产业发展", "发展大城市", "落实惠民政策", "主城区",
])
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
