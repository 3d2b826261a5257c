"""Per-document metadata: read from ``manifest.json`` beside the documents, else inferred.

Users' own files arrive without an entry, and so do the bulletins and laws they download. Inference
reads the title, the issuer and the first part of the text: the region and its level through the
national division table (:mod:`assistant.places`), the years the document reports on apart from the
year it was issued (a 2019 bulletin published in 2020 reports on 2019), and the document type. Each
inferred field records where it came from (``region_source: "title"``), which ``list`` shows. A
manifest entry overrides field by field (a change of entry changes the document's hash, so the next
ingest re-indexes it); what it leaves out is still inferred.
"""

from __future__ import annotations

import bisect
import json
import re
import unicodedata
import tomllib
from collections import Counter
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from assistant.errors import AssistantError
from assistant.places import Place, find_places, named_places, region_of
from assistant.text import to_simplified
from assistant.years import DOCUMENT_YEAR

MANIFEST_NAME = "manifest.json"
_VOCABULARY = Path(__file__).resolve().parent.parent / "data" / "metadata.toml"
LEVEL_LABELS = {"national": "全国", "province": "省", "city": "市", "county": "区县", "town": "乡镇"}

# A full date is when a document was issued or amended, not what it reports on.
_DATE = re.compile(r"(?<!\d)(19[89]\d|20[0-4]\d)\s*(?:[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}|年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)")
_HEAD = 3000  # characters of text read for issuers and years: a title page, an opening paragraph
_LINE = re.compile(r"[^\n\r\v\f\x1c-\x1e\x85\u2028\u2029]+")  # what str.splitlines splits at
_BODY = 10000  # characters read for the places a text names most
_DESCRIBED = {"title", "region", "level", "province", "years", "doc_type"}  # an entry with these needs no inference
_TITLE_END = re.compile(r"[，,。；;！!？?]")
_SENTENCE_END = re.compile(r"[。；;！!？?\n]")
# A place the body names in fewer sentences is something the text speaks of (a visit, a
# comparison, one planted line), not who wrote it: the region then stays empty ("not stated").
_MIN_SENTENCES = 3
NOT_STATED = "not stated"


class DocMeta(BaseModel):
    """What a citation shows beside a passage; also the filter fields.

    ``years`` are the years the document reports on (and plans for); ``issued_year`` the year it
    was issued. ``*_source`` say where an inferred field came from: manifest, title, issuer, file
    name or text.
    """

    model_config = ConfigDict(extra="allow")

    title: str
    region: str = ""
    level: str = ""
    province: str = ""
    years: list[int] = Field(default_factory=list)
    issued_year: int | None = None
    doc_type: str = "report"
    script: str = "Simplified"
    region_source: str = ""
    years_source: str = ""
    doc_type_source: str = ""


def load_manifest(folder: Path) -> dict[str, DocMeta]:
    """Entries of ``folder/manifest.json`` by file name; an empty dict when there is none."""
    path = folder / MANIFEST_NAME
    if not path.is_file():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return {name: DocMeta(**entry) for name, entry in raw.get("documents", {}).items()}
    except (ValueError, TypeError) as exc:
        raise AssistantError(f"{path}: not a valid manifest ({exc})") from exc


def document_meta(file_name: str, text: str, entry: DocMeta | None) -> DocMeta:
    """The manifest entry where it says something, inference for the rest (none when it says all)."""
    if entry is not None and _DESCRIBED <= entry.model_fields_set:
        return entry.model_copy(update={f"{f}_source": "manifest" for f in ("region", "years", "doc_type")})
    inferred = infer_meta(file_name, text)
    if entry is None:
        return inferred
    given = entry.model_dump(include=entry.model_fields_set | set(entry.model_extra or {}))
    sources = {f"{f}_source": "manifest" for f in ("region", "years", "doc_type") if f in given}
    return inferred.model_copy(update=given | sources)


@lru_cache(maxsize=1)
def _vocabulary() -> dict:
    return tomllib.loads(_VOCABULARY.read_text(encoding="utf-8"))


def infer_meta(file_name: str, text: str) -> DocMeta:
    """Best guess for a document with no manifest entry: title, region, level, years, type, script."""
    stem = Path(file_name).stem.split("__")[-1]
    head = to_simplified(text[:_HEAD])
    title = _title(text) or stem
    simplified_title = to_simplified(title)
    opening = unicodedata.normalize("NFKC", text[:400])
    traditional = sum(a != b for a, b in zip(opening, to_simplified(opening))) > max(3, len(opening) // 50)
    doc_type, type_source = _doc_type(file_name, simplified_title, to_simplified(stem), head)
    meta = DocMeta(title=title, doc_type=doc_type, doc_type_source=type_source,
                   script="Traditional" if traditional else "Simplified")
    _infer_region(meta, simplified_title, to_simplified(stem), to_simplified(text[:_BODY]))
    _infer_years(meta, simplified_title, to_simplified(stem), head)
    return meta


def _title(text: str) -> str:
    """The first line that reads like a title (five Chinese characters at least, not a bare "2023"),
    up to its first sentence mark."""
    for match in _LINE.finditer(text):  # lazily: splitting a 30 MB text built a 19 MB list of lines to read one title
        line = match.group().strip("# \t")
        if len(re.findall(r"[\u4e00-\u9fff]", line)) >= 5:
            first = _TITLE_END.split(line, maxsplit=1)[0].strip()
            return (first if len(re.findall(r"[\u4e00-\u9fff]", first)) >= 5 else line)[:60]
    return ""


def _doc_type(file_name: str, title: str, stem: str, head: str) -> tuple[str, str]:
    vocabulary = _vocabulary()
    if Path(file_name).suffix.lower() in vocabulary["table_suffixes"]:
        return "table", "file type"
    for source, text in (("title", title), ("file name", stem), ("text", head[:300])):
        for kind in vocabulary["doc_type"]:
            if any(w in text for w in kind["words"]):
                return kind["name"], source
    return "report", ""


def _issuers(head: str) -> list[str]:
    """Names of issuing bodies in the opening text: 国家统计局, 泰兴市科技局, 浙江省人民代表大会常务委员会."""
    suffixes = "|".join(map(re.escape, sorted(_vocabulary()["issuer_suffixes"], key=len, reverse=True)))
    return [m.group(0) for m in re.finditer(rf"[\u4e00-\u9fff]{{0,12}}?(?:{suffixes})", head[:1000])]


def _infer_region(meta: DocMeta, title: str, stem: str, body: str) -> None:
    """The issuer's region: from the title, else an issuer naming a place, else the file name, else
    the place the text names most across its sentences, at the level its own words give (我市, 全区).
    No single sentence decides it; with none of these the region is left empty and says so."""
    head = body[:_HEAD]
    own = _own_level(head)
    place: Place | None = None
    for source, text in (("title", title), ("issuer", " ".join(_issuers(head))), ("file name", stem)):
        if place := region_of(text):
            meta.region_source = source
            break
    else:
        if place := _most_named(body, own):
            meta.region_source = "text"
    if place is None:
        meta.region_source = NOT_STATED
        meta.level = own
        meta.province = next((p.province for p in find_places(head) if p.level == "province"), "")
        return
    meta.region = place.full_name
    meta.level = LEVEL_LABELS[place.level]
    meta.province = place.province


def _own_level(head: str) -> str:
    """The level a text gives itself with 我市 / 全区 …, the most frequent one; "" when none."""
    counts: Counter[str] = Counter()
    for word, level in _vocabulary()["own_level"].items():
        counts[level] += head.count(word)
    level, n = counts.most_common(1)[0]
    return level if n else ""


def _most_named(body: str, own_level: str) -> Place | None:
    """The place the text names in the most sentences, if in at least ``_MIN_SENTENCES``. A city it
    never names gets the mentions of its counties (the 泸州 report names only 江阳区, 纳溪区, 泸县 …).
    A text that calls itself 我市 is about a 市 (a city, or a county-level city such as 泰兴市), so
    places of another kind only count when none is named."""
    named = named_places(body)
    cities = {p.full_name for p in named if p.level == "city"}
    places = named + [_city(p) for p in named if p.level == "county" and p.city and p.city not in cities]
    if own_level and own_level != "全国":
        suffix = {"省": ("省", "自治区", "特别行政区", "市"), "市": ("市",), "区县": ("区", "县", "旗")}[own_level]
        fitting = [p for p in places if p.level not in ("national", "town") and p.full_name.endswith(suffix)
                   and (own_level != "省" or p.level == "province")]
        if not fitting:
            return None
        places = fitting
    ends = [m.start() for m in _SENTENCE_END.finditer(body)]
    # each place once per sentence, in reading order (a tie goes to the place named first)
    mentions = dict.fromkeys((p.full_name, p.level, bisect.bisect(ends, p.span[0])) for p in places)
    by_place = Counter((name, level) for name, level, _ in mentions)
    if not by_place:
        return None
    (name, level), sentences = by_place.most_common(1)[0]
    if sentences < _MIN_SENTENCES:
        return None
    return next(p for p in places if (p.full_name, p.level) == (name, level))


def _city(county: Place) -> Place:
    """The city a county lies in, as a place of the text (for counting)."""
    return Place(name=county.city, full_name=county.city, level="city", province=county.province,
                 adcode=county.adcode[:4].ljust(12, "0") if county.adcode else "", span=county.span)


def _infer_years(meta: DocMeta, title: str, stem: str, head: str) -> None:
    """The years reported on, apart from the year issued.

    A full date (发布时间：2020-08-27, 2020年8月27日, a file name's (2021-09-30)) is the issue date.
    The title's years are the years reported on, except that a government work report of year Y
    reviews Y-1 and plans Y. A policy reports on nothing: its year is the year it was issued.
    Otherwise the years the opening text names most."""
    issued = _DATE.search(stem) or _DATE.search(head)
    meta.issued_year = int(issued.group(1)) if issued else None
    for source, text in (("title", title), ("file name", _DATE.sub(" ", stem))):
        if years := sorted({int(y) for y in DOCUMENT_YEAR.findall(_DATE.sub(" ", text))}):
            if meta.doc_type == "report" and len(years) == 1 and _reviews_previous_year(head, years[0]):
                years = [years[0] - 1, years[0]]
                meta.issued_year = meta.issued_year or years[-1]  # a report on Y-1 is delivered in Y
            meta.years, meta.years_source = years[:3], source
            return
    if meta.doc_type == "policy" and meta.issued_year:
        meta.years, meta.years_source = [meta.issued_year], "issue date"
        return
    counts = Counter(int(y) for y in DOCUMENT_YEAR.findall(_DATE.sub(" ", head)))
    if counts:
        top = counts.most_common(1)[0][1]
        meta.years = sorted(y for y, n in counts.items() if n == top)[:3]
        meta.years_source = "text"


def _reviews_previous_year(head: str, year: int) -> bool:
    review = _vocabulary()["review_of_previous_year"]
    return f"{year - 1}年工作回顾" in head or any(w in head for w in review) and "政府工作报告" in head[:200]
