"""Who issued a document, read only where documents state it — never from a sentence of prose.

An issuer is stated in a few fixed places: a labelled field (``发文机关：``, ``来源：``), the lines
of bodies under a bulletin's title (``洛阳市统计局 / 国家统计局洛阳调查队 / 2024年4月30日``), the
signature at the end of a notice (``东莞市科学技术局 / 2017年6月21日``), the adoption line of a law
(``2015年9月25日浙江省第十二届人民代表大会常务委员会第二十三次会议通过``), a regulation's
interpretation clause (``本办法由科技部、财政部、税务总局负责解释``) and the title itself
(``泰兴市科技局2020年工作总结``). A body named in running text (``据泰兴市科技局统计``) or inside a
cited document (``根据《广东省科学技术厅关于…》``) is not an issuer. The suffixes, labels and
patterns are data (``assistant/data/metadata.toml``).
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from pathlib import Path

_VOCABULARY = Path(__file__).resolve().parent.parent / "data" / "metadata.toml"
_CITED = re.compile(r"《[^《》\n]{0,120}》|〈[^〈〉\n]{0,120}〉")  # a cited document's name is not its citer
# a date beside a body's name: 2024年4月30日, 2024年4月, 2024-04-30, 二〇一七年六月二十一日
_LINE_DATE = re.compile(
    r"(?:19|20)\d\d\s*(?:年(?:\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?)?|[-/.]\s*\d{1,2}(?:\s*[-/.]\s*\d{1,2})?)"
    r"|[〇零一二三四五六七八九]{4}年(?:[一二三四五六七八九十]{1,2}月(?:[一二三四五六七八九十]{1,3}日)?)?"
)
_HEADER_LINES = 10  # lines under the title where a bulletin lists its bodies
_SIGNATURE_LINES = 10  # lines at the end where a notice signs (before any 抄送 or 附件 lines)


@lru_cache(maxsize=1)
def vocabulary() -> dict:
    """``metadata.toml``, read once (shared with :mod:`assistant.ingest.manifest`)."""
    return tomllib.loads(_VOCABULARY.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _body() -> re.Pattern[str]:
    """One issuing body: up to 16 characters ending in an issuer suffix (科技局, 统计局, 调查队 …)."""
    suffixes = "|".join(map(re.escape, sorted(vocabulary()["issuer_suffixes"], key=len, reverse=True)))
    return re.compile(rf"[\u4e00-\u9fff]{{0,16}}?(?:{suffixes})")


def bodies(text: str) -> list[str]:
    """The bodies ``text`` consists of, or [] when it holds anything else (a sentence, a date is
    allowed): ``洛阳市统计局 国家统计局洛阳调查队`` → both; ``据泰兴市科技局统计`` → []."""
    rest = _LINE_DATE.sub(" ", text).strip()
    found = []
    for token in re.split(r"[\s、，,　]+", rest):
        if not token:
            continue
        if not _body().fullmatch(token):
            return []
        found.append(token)
    return found


def issuers(title: str, lines: list[str], tail: list[str]) -> tuple[list[str], str]:
    """The issuing bodies and where they were read: ``title``, ``field``, ``header``,
    ``adoption``, ``interpretation`` or ``signature``; ([], "") when the document states none.
    ``lines`` are the document's opening non-empty lines, the title first; ``tail`` its last lines."""
    vocab = vocabulary()
    found = _in_title(title)
    if found:
        return found, "title"
    head = lines[1 : 1 + _HEADER_LINES]
    if named := _header(head):
        return named, "header"
    labels = "|".join(map(re.escape, vocab["issuer_labels"]))
    field = rf"(?:{labels})\s*[:：]\s*(.+?)(?=\s+[\u4e00-\u9fff]{{2,6}}\s*[:：]|$)"  # a value runs up to the next label
    for line in lines[: 1 + _HEADER_LINES]:
        for match in re.finditer(field, _CITED.sub("", line)):
            if named := bodies(match.group(1)):
                return named, "field"
    for line in head:
        if match := re.search(vocab["adoption_pattern"], line):
            return [_adopting_body(match)], "adoption"
    text = "\n".join(lines + tail)  # the clause closes a regulation
    match = re.search(vocab["interpretation_pattern"], _CITED.sub("", text))
    if match and (named := bodies(match.group(1))):
        return named, "interpretation"
    for line in reversed(tail[-_SIGNATURE_LINES:]):  # the last one: a signature closes the text
        if (named := bodies(line)) and line not in head:
            return named, "signature"
    return [], ""


def _header(head: list[str]) -> list[str]:
    """The bodies of the first run of lines that hold only bodies (and dates) under the title:
    ``洛阳市统计局`` / ``国家统计局洛阳调查队`` / ``2024年4月30日`` → both bureaus."""
    found: list[str] = []
    for line in head:
        named = bodies(line)
        if found and not named:
            break
        found += named
    return found


def _in_title(title: str) -> list[str]:
    """Bodies a title names as its author (``泰兴市科技局2020年工作总结``,
    ``2016年中华人民共和国国务院政府工作报告``), outside any document it cites."""
    plain = _CITED.sub(" ", title)
    for prefix in vocabulary()["issuer_title_prefixes"]:
        plain = plain.replace(prefix, " ")
    return [m.group(0) for m in _body().finditer(re.sub(r"(?:19|20)\d\d\s*年", " ", plain))]


def _adopting_body(match: re.Match[str]) -> str:
    """``浙江省…人民代表大会常务委员会`` from an adoption line, without its session's ordinal
    (第十二届); the national legislature and the State Council keep their own names."""
    place, body = match.group("place") or "", match.group("body")
    place = "" if place in vocabulary()["issuer_title_prefixes"] else place
    return f"{place}{body}"


def is_national(body: str) -> bool:
    """A body of the central state: 国务院, 全国人民代表大会常务委员会, 科学技术部, 国家统计局,
    税务总局 (a body with a place in its name is judged by the place instead)."""
    vocab = vocabulary()
    return body.startswith(tuple(vocab["national_issuer_prefixes"])) or body in vocab["national_issuers"]
