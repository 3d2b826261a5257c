"""Tables that run over a page break: the rows on the next page carried under the header they left.

Why: a bulletin's table (黔东南 2023 表7 分行业固定资产投资增长速度) breaks after its first two rows;
the next page holds 采矿业 | % | -50.2 … with no header. Read alone, those rows have no column
names and no title, so they are indexed as loose text and a question about 采矿业 finds the 总计
row instead. A grid without a header is the rest of the table before it when the two have the
same number of columns and only page furniture (page numbers, a running head, a 续表 line) stands
between them; it is then read under that table's header, title and unit. What counts as page
furniture is data: ``assistant/data/table_pages.toml``.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from assistant.ingest.tables import Table

PAGES_FILE = Path(__file__).resolve().parents[1] / "data" / "table_pages.toml"
_BLANKS = re.compile(r"\s+")


@dataclass(frozen=True)
class _Rules:
    continued: re.Pattern[str]
    new_table: re.Pattern[str]
    furniture: tuple[re.Pattern[str], ...]
    head_chars: int
    head_lines: int


@lru_cache(maxsize=2)
def _rules(path: Path = PAGES_FILE) -> _Rules:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return _Rules(
        re.compile(data["continued"]),
        re.compile(data["new_table"]),
        tuple(re.compile(p) for p in data["page_furniture"]),
        int(data["max_running_head_chars"]),
        int(data["max_running_head_lines"]),
    )


def is_table_caption(line: str) -> bool:
    """A line that names a new table (表8 …, 附表2 …): no row of the table before it."""
    return bool(_rules().new_table.search(_BLANKS.sub("", line)))


def only_page_furniture(between: list[str]) -> bool:
    """The text between two grids is page numbers, a 续表 line and at most a short running head."""
    rules = _rules()
    lines = [_BLANKS.sub("", line) for text in between for line in text.split("\n")]
    heads = 0
    for line in filter(None, lines):
        if rules.continued.search(line) or any(p.search(line) for p in rules.furniture):
            continue
        if rules.new_table.search(line) or len(line) > rules.head_chars:
            return False
        heads += 1
    return heads <= rules.head_lines


def carried(blocks: list[str | Table], grid: Table) -> Table | None:
    """``grid`` (a table without a header row) as the continuation of the last table in ``blocks``,
    with that table's header rows, title and caption; None when it does not continue one."""
    last = next((i for i in range(len(blocks) - 1, -1, -1) if isinstance(blocks[i], Table)), None)
    if last is None:
        return None
    before = blocks[last]
    assert isinstance(before, Table)
    between = [b for b in blocks[last + 1 :] if isinstance(b, str)]
    if not before.has_header or before.width != grid.width or not only_page_furniture(between):
        return None
    header = before.grid[: before.header_rows]
    return Table(
        before.title,
        [*header, *grid.grid],
        caption=before.caption,
        ocr=grid.ocr or before.ocr,
        marked_header_rows=before.header_rows,
    )
