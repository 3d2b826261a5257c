"""Per-document metadata: read from ``manifest.json`` beside the documents, else inferred.

Users' own files arrive without an entry, and so do the bulletins and laws they download. Inference
reads the title, the issuer (where a document states it: :mod:`assistant.ingest.issuer`) and the
opening text: the region and its level through the national division table
(:mod:`assistant.language.places`), the years the document reports on apart from the year it was issued (a
2019 bulletin published in 2020 reports on 2019), and the document type. The text beats the file
name; where they disagree both are kept. Each inferred field records where it came from
(``region_source: "title"``), which ``list`` shows. A manifest entry overrides field by field (a
change of entry changes the document's hash, so the next ingest re-indexes it); what it leaves out
is still inferred.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from assistant.errors import AssistantError
from assistant.ingest.doc_years import infer_years
from assistant.ingest.issuer import is_national, issuers, vocabulary
from assistant.language.places import Place, find_places, region_of
from assistant.language.text import to_simplified

MANIFEST_NAME = "manifest.json"
LEVEL_LABELS = {"national": "全国", "province": "省", "city": "市", "county": "区县", "town": "乡镇"}

_HEAD = 3000  # characters of text read for issuers and years: a title page, an opening paragraph
_TAIL = 600  # characters at the end read for a signature (落款)
_LINE = re.compile(r"[^\n\r\v\f\x1c-\x1e\x85\u2028\u2029]+")  # what str.splitlines splits at
_DESCRIBED = {"title", "region", "level", "province", "years", "doc_type"}  # an entry with these needs no inference
_TITLE_END = re.compile(r"[，,。；;！!？?]")
_CJK = re.compile(r"[\u4e00-\u9fff]")
# footnote marks in a title (公报①, 公报[1], 公报*): read as a figure, ① became "1" (NFKC)
_FOOTNOTE = re.compile(
    r"[\u2460-\u2473\u2474-\u2487\u24ea\u2776-\u277f\u00b9\u00b2\u00b3\u2070-\u2079*]+|[\[［〔(（]\d{1,2}[\]］〕)）]"
)
NOT_STATED = "not stated"
_SOURCED = ("region", "years", "doc_type", "issuer")  # fields that record where they came from


class DocMeta(BaseModel):
    """What a citation shows beside a passage; also the filter fields.

    ``years`` are the years the document reports on (and plans for); ``issued_year`` the year it
    was issued. ``*_source`` say where an inferred field came from: manifest, title, issuer, file
    name or text. ``issuer`` lists the issuing bodies (、-separated) where the document states them.
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
    issuer: str = ""
    issuer_source: str = ""
    # what the file name says where it disagrees with the text (the text's reading wins)
    file_name_region: str = ""
    file_name_years: list[int] = Field(default_factory=list)


def load_manifest(folder: Path) -> dict[str, DocMeta]:
    """Entries of ``folder/manifest.json`` by file name; an empty dict when there is none. An
    entry's ``issued_by`` (the manifest's older word) is its ``issuer``."""
    path = folder / MANIFEST_NAME
    if not path.is_file():
        return {}
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return {
            name: DocMeta(**({"issuer": entry["issued_by"]} if "issued_by" in entry else {}) | entry)
            for name, entry in raw.get("documents", {}).items()
        }
    except (ValueError, TypeError) as exc:
        raise AssistantError(f"{path}: not a valid manifest ({exc})") from exc


def document_meta(file_name: str, text: str, entry: DocMeta | None) -> DocMeta:
    """The manifest entry where it says something, inference for the rest (none when it says all)."""
    if entry is not None and _DESCRIBED <= entry.model_fields_set:
        return entry.model_copy(update={f"{f}_source": "manifest" for f in _SOURCED if f != "issuer" or entry.issuer})
    inferred = infer_meta(file_name, text)
    if entry is None:
        return inferred
    given = entry.model_dump(include=entry.model_fields_set | set(entry.model_extra or {}))
    sources = {f"{f}_source": "manifest" for f in _SOURCED if f in given}
    return inferred.model_copy(update=given | sources)


def infer_meta(file_name: str, text: str) -> DocMeta:
    """Best guess for a document with no manifest entry: title, issuer, region, level, years, type,
    script. The text decides; the file name only fills what the text leaves open, and where the two
    disagree the file name's reading is kept beside the text's (``file_name_region``)."""
    stem = to_simplified(Path(file_name).stem.split("__")[-1])
    head = to_simplified(_FOOTNOTE.sub("", text[:_HEAD]))  # ① is "1" once simplified (NFKC)
    lines = _lines(head)
    title = _title(head, lines) or stem
    opening = unicodedata.normalize("NFKC", text[:400])
    traditional = sum(a != b for a, b in zip(opening, to_simplified(opening))) > max(3, len(opening) // 50)
    doc_type, type_source = _doc_type(file_name, title, stem, head)
    meta = DocMeta(
        title=title,
        doc_type=doc_type,
        doc_type_source=type_source,
        script="Traditional" if traditional else "Simplified",
    )
    at = next((i for i, line in enumerate(lines) if title[:8] in line[:20]), 0)  # the title's line
    tail = _lines(to_simplified(text[-_TAIL:]))
    _infer_region(meta, stem, [title, *lines[at + 1 :]], tail, head)
    infer_years(meta, stem, head, _CJK.search(title) is not None)
    return meta


def _lines(text: str) -> list[str]:
    """Non-empty lines without Markdown heading marks (lazily: a 30 MB text is never split whole)."""
    return [line for m in _LINE.finditer(text) if (line := m.group().strip("# \t\u3000"))]


# the overview line a table's layout starts with (ingest/tables.py): 表：<title>｜列：…｜N行：… (NFKC: 表:…|)
_TABLE_OVERVIEW = re.compile(r"表[：:]([^｜|]+)[｜|]列[：:]")


def _title(head: str, lines: list[str]) -> str:
    """The title: a Markdown first heading whatever its script (``# … sources``), else the first line
    that reads like one (five Chinese characters at least, not a bare "2023"), up to its first
    sentence mark; a line naming only a place goes on to the next (``黔东南苗族侗族自治州`` /
    ``2016年国民经济和社会发展统计公报``). Footnote marks (公报①, 公报[1]) are not part of it."""
    if head.lstrip().startswith("# ") and lines:
        return _FOOTNOTE.sub("", lines[0])[:60].strip()
    for i, line in enumerate(lines):
        if overview := _TABLE_OVERVIEW.match(line):  # a workbook's first line is its table's overview
            return _FOOTNOTE.sub("", overview.group(1))[:60].strip()
        if len(_CJK.findall(line)) >= 5:
            first = _TITLE_END.split(line, maxsplit=1)[0].strip()
            title = first if len(_CJK.findall(first)) >= 5 else line
            place = region_of(title)
            if place is not None and place.name == title.strip() and i + 1 < len(lines):
                title += lines[i + 1]
            return _FOOTNOTE.sub("", title)[:60].strip()
    return ""


def _doc_type(file_name: str, title: str, stem: str, head: str) -> tuple[str, str]:
    vocab = vocabulary()
    if Path(file_name).suffix.lower() in vocab["table_suffixes"]:
        return "table", "file type"
    for source, text in (("title", title), ("file name", stem), ("text", head[:300])):
        for kind in vocab["doc_type"]:
            if any(w in text for w in kind["words"]):
                return kind["name"], source
    return "report", ""


def _infer_region(meta: DocMeta, stem: str, lines: list[str], tail: list[str], head: str) -> None:
    """The issuer's region: from the title, else the issuer the document states, else (a regulation
    whose title names no place and whose text never speaks as a local body) the nation, else the
    file name. Never from sentences of prose, however many name a place: with none of these the
    region stays empty and says so, at the level the issuer's name or the text's own words give."""
    bodies, meta.issuer_source = issuers(lines[0], lines[:12], tail)
    meta.issuer = "、".join(bodies)
    place, source = _stated_region(meta, lines[0], bodies, head)
    named = region_of(stem)
    if place is None and named is not None:
        place, source = named, "file name"
    elif place is not None and named is not None and named.full_name != place.full_name:
        meta.file_name_region = named.full_name
    if place is None:
        meta.region_source = NOT_STATED
        meta.level = _issuer_level(bodies) or _own_level(head)
        return
    meta.region, meta.region_source = place.full_name, source
    meta.level, meta.province = LEVEL_LABELS[place.level], place.province


def _stated_region(meta: DocMeta, title: str, bodies: list[str], head: str) -> tuple[Place | None, str]:
    if place := region_of(title):
        return place, "title"
    for body in bodies:
        if place := region_of(body):
            return place, "issuer"
    nation = next(p for p in find_places("全国") if p.level == "national")
    if bodies and all(is_national(b) for b in bodies):
        return nation, "issuer"
    placeless_law = meta.doc_type == "policy" and title.endswith(tuple(vocabulary()["national_when_placeless"]))
    if placeless_law and not bodies and not _own_level(head):
        return nation, "title"
    return None, ""


def _issuer_level(bodies: list[str]) -> str:
    """The level an issuer without a place name gives itself: 市科技局 → 市, 区科技局 → 区县."""
    suffixes = "|".join(map(re.escape, vocabulary()["issuer_suffixes"]))
    for body in bodies:
        if match := re.match(rf"^(.*?)(?:{suffixes})$", body):
            for word, level in vocabulary()["issuer_level"].items():
                if match.group(1).endswith(word):
                    return level
    return ""


def _own_level(head: str) -> str:
    """The level a text gives itself with 我市 / 全区 …, the most frequent one; "" when none."""
    counts = {level: 0 for level in vocabulary()["own_level"].values()}
    for word, level in vocabulary()["own_level"].items():
        counts[level] += head.count(word)
    level = max(counts, key=lambda k: counts[k])
    return level if counts[level] else ""
