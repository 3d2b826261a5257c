"""Per-document metadata: read from ``manifest.json`` beside the documents, else inferred.

Users' own files arrive without an entry; region and years are then guessed from the file name
and the first lines, so filters still work, and the manifest can correct them later (a change
of entry changes the document's hash, so the next ingest re-indexes it).

The region is the issuer's: taken from the file name and the title/header lines only, never from
a body sentence that names a place (a planted ``泰兴市高新技术企业有9999家`` in a 测试镇 report
must not make it a 泰兴市 document).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from assistant.errors import AssistantError
from assistant.text import to_simplified

MANIFEST_NAME = "manifest.json"

_REGION = re.compile(r"([\u4e00-\u9fff]{2,6}?(?:省|自治区|市|区|县|镇|乡|街道))")
HEADER_LINES = 2  # title and the line under it (issuer, date): where a document says whose it is
HEADER_CHARS = 60  # a longer line is body text, not a title or an issuer line
_YEAR = re.compile(r"(?<!\d)(19[89]\d|20[0-4]\d)(?=年|\D|$)")


class DocMeta(BaseModel):
    """What a citation shows beside a passage; also the filter fields."""

    model_config = ConfigDict(extra="allow")

    title: str
    region: str = ""
    level: str = ""
    years: list[int] = Field(default_factory=list)
    doc_type: str = "report"
    script: str = "Simplified"


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


def infer_meta(file_name: str, text: str) -> DocMeta:
    """Best guess for a document with no manifest entry: title, region, years, script."""
    stem = Path(file_name).stem
    head = text[:400]
    simplified = to_simplified(head)
    lines = [line.strip() for line in text.splitlines()[:50] if line.strip()][:HEADER_LINES]
    header = "\n".join(line for line in lines if len(line) <= HEADER_CHARS)
    region = _REGION.search(to_simplified(stem)) or _REGION.search(to_simplified(header))
    years = sorted({int(y) for y in _YEAR.findall(stem + " " + head)})
    first_line = next((line.strip("# ").strip() for line in text.splitlines() if line.strip()), stem)
    traditional = sum(a != b for a, b in zip(head, simplified)) > max(3, len(head) // 50)
    return DocMeta(
        title=first_line[:60] or stem,
        region=region.group(1) if region else "",
        years=years[:3],
        doc_type="policy" if re.search(r"条例|办法|规定|意见|通知", stem) else "report",
        script="Traditional" if traditional else "Simplified",
    )
