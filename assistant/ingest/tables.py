"""Tables as data: a grid read from any format becomes a title, header rows, units and rows.

Why: a bulletin's 附表 flattened into text is a run of numbers (``4173.2 11.6 38.9 地方 6544.2``)
that no question can find and no citation can check. Kept as a table, every data row becomes a
record that names its table, its row and each column with its unit —
``2022年各地区R&D经费情况｜陕西｜R&D经费（亿元）769.6｜R&D经费投入强度（%）2.35`` — so the figure
769.6 is retrieved, cited and verified together with what it measures.

Readers only build grids (merged cells already repeated into every cell they cover); deciding
which rows are header, which columns are labels and what unit a column has is done here, by
content, once for every format.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from itertools import pairwise

from assistant.ingest.normalize import normalize_text

SEPARATOR = "｜"
# A cell that holds a figure: 769.6, -3.2, 1,234, 12.6%, 86家, or a dash for "no data" — but a
# year (2019年) is a column label.
_NUMERIC = re.compile(
    r"^(?!\d{4}年)[-+−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?\s*(?:[%‰]|[万亿]?[\u4e00-\u9fff]{0,2})$|^[—–\-…/.]+$"
)
# A unit in brackets at the end of a header or caption: （亿元）, (%), （万人年）.
_BRACKET_UNIT = re.compile(r"[(（]\s*(?:单位[:：]\s*)?([^()（）]{1,6})\s*[)）]\s*$")
# 单位：亿元 in a caption or a line next to the table.
_CAPTION_UNIT = re.compile(r"单位\s*[:：]\s*([^\s,，;；)）]{1,6})")
_SCALE = re.compile(r"^(?:万亿|千万|百万|万|亿|千|百)")
_UNIT_WORDS = frozenset(
    (
        "元 美元 % ‰ 个 家 人 项 件 台 套 吨 亩 户 名 次 篇 所 座 年 人年 人次 个百分点 平方米 平方公里 公里 小时 倍"
    ).split()
)
_TITLE_MAX = 60
_UNIT_CELL = re.compile(r"^[(（]?\s*(?:计量)?单位\s*[:：]")
_WHOLE_BRACKET = re.compile(r"^[(（][^()（）]{1,16}[)）]$")
_UNIT_HEADER = re.compile(r"^(?:计量)?单位$")
_SUB_ROW = re.compile(r"^(?:其中\s*[:：]?|#(?=[^\s#]))")  # 其中：住宅, or a bulletin's #住宅
# a 其中 row under a total (合计, 全国) needs no parent: prefixing it would make it answer for the total
_TOTAL_ROW = re.compile(r"^(?:合\s*计|总\s*计|小\s*计|全部|总额|全国|全省|全市|全州|全县)$")
_YEAR_CELL = re.compile(r"^(?:19|20)\d\d\s*年?$")
_LATIN = re.compile(r"[A-Za-z]{2,}")
_CJK = re.compile(r"[\u4e00-\u9fff]")


def unit_of(text: str) -> str:
    """The unit a header or caption states in brackets at its end (``R&D经费（亿元）`` → ``亿元``), or ""."""
    for pattern in (_BRACKET_UNIT, _CAPTION_UNIT):  # "单位:万元 (10000 yuan)": the bracket is no unit word
        m = pattern.search(text)
        unit = m.group(1).strip() if m else ""
        if unit and _SCALE.sub("", unit) in _UNIT_WORDS:
            return unit
    return ""


def is_unit_line(cell: str) -> bool:
    """A cell that only states the unit: ``单位：亿元``, ``计量单位:万元``, ``(%)``, ``(10000 yuan)``."""
    text = cell.strip()
    return bool(_UNIT_CELL.match(text)) or (bool(unit_of(text)) and bool(_WHOLE_BRACKET.match(text)))


def is_year(cell: str) -> bool:
    """A column label that is a year: ``2021``, ``2021年`` (a table with years across)."""
    return bool(_YEAR_CELL.match(cell.strip()))


def _translation(cell: str) -> bool:
    """English beside Chinese in a bilingual yearbook (``National Total``, ``Region``): no CJK, some letters."""
    return bool(_LATIN.search(cell)) and not _CJK.search(cell)


def _strip_unit(header: str, unit: str) -> str:
    """``R&D经费（亿元）`` → ``R&D经费``: the unit is kept apart and written back in one form."""
    m = _BRACKET_UNIT.search(header)
    return header[: m.start()].strip() if unit and m and m.group(1).strip() == unit else header


def is_numeric(cell: str) -> bool:
    return bool(_NUMERIC.match(cell.strip()))


@dataclass(frozen=True)
class Column:
    header: str  # the column's header parts joined, without the unit: "R&D经费投入强度"
    unit: str  # "亿元", "%", or "" when neither header nor caption names one

    @property
    def label(self) -> str:
        return f"{self.header}（{self.unit}）" if self.unit else self.header


@dataclass(frozen=True)
class Record:
    """One data row as the index stores it."""

    table_title: str
    row_label: str
    cells: tuple[tuple[Column, str], ...]

    @property
    def text(self) -> str:
        parts = [self.table_title, self.row_label, *(f"{c.label}{v}" for c, v in self.cells)]
        return SEPARATOR.join(p for p in parts if p)

    def columns_json(self) -> str:
        return json.dumps([{"header": c.header, "unit": c.unit, "value": v} for c, v in self.cells], ensure_ascii=False)


@dataclass
class Table:
    """A grid with its title; ``header_rows`` and ``label_columns`` are decided from content unless
    the format marks the header (a Markdown table's rows above its ``---`` rule)."""

    title: str
    grid: list[list[str]]
    caption: str = ""  # text near the table that may state 单位：亿元
    ocr: bool = False
    notes: list[str] = field(default_factory=list)  # 注：… rows spanning the whole table
    marked_header_rows: int | None = None

    def __post_init__(self) -> None:
        self.title = normalize_text(" ".join(self.title.split()))[:_TITLE_MAX]
        width = max((len(r) for r in self.grid), default=0)
        rows = [[normalize_text(" ".join(c.split())) for c in r] + [""] * (width - len(r)) for r in self.grid]
        kept: list[list[str]] = []
        for row in rows:
            filled = [c for c in row if c]
            if not filled:
                continue  # a blank separator row
            if not kept and _unit_row(filled):
                self.caption = " ".join([self.caption, *filled]).strip()  # 单位：% above the header
                continue
            if width > 2 and len(set(filled)) == 1 and len(filled) >= width - 1 and not is_numeric(filled[0]):
                # one cell spanning the table: a title above the header, else a note
                if not kept and not self.title:
                    self.title = filled[0][:_TITLE_MAX]
                else:
                    self.notes.append(filled[0])
                continue
            kept.append(row)
        self.grid = _without_translations(kept)
        self.header_rows = self._count_header_rows() if self.marked_header_rows is None else self.marked_header_rows
        self.label_columns = self._count_label_columns()

    @property
    def width(self) -> int:
        return len(self.grid[0]) if self.grid else 0

    def _count_header_rows(self) -> int:
        """Leading rows whose value cells are mostly words, not figures, or a run of years (at most 4)."""
        count = 0
        for row in self.grid[:4]:
            values = [c for c in row[1:] if c] or [c for c in row if c]
            if not values or (sum(is_numeric(c) for c in values) * 2 >= len(values) and not _years_across(values)):
                break
            count += 1
        return count if count < len(self.grid) else 0

    def _count_label_columns(self) -> int:
        """Leading columns whose data cells are mostly words: the row label (at least one column)."""
        data = self.data_rows
        count = 0
        for j in range(max(self.width - 1, 0)):
            cells = [r[j] for r in data if r[j]]
            if not cells or sum(is_numeric(c) for c in cells) * 2 >= len(cells):
                break
            count += 1
        return max(count, 1)

    @property
    def data_rows(self) -> list[list[str]]:
        return self.grid[self.header_rows :]

    @property
    def has_header(self) -> bool:
        return self.header_rows > 0

    def _headers(self) -> list[str]:
        """Each value column's header as written: a multi-level header's parts joined, merged repeats
        and English translations dropped."""
        out = []
        for j in range(self.label_columns, self.width):
            parts: list[str] = []
            for row in self.grid[: self.header_rows]:
                if row[j] and (not parts or parts[-1] != row[j]):
                    parts.append(row[j])
            parts = [p for p in parts if not _translation(p)] or parts
            # a bare year heads a column of a table with years across: written 2021年, as a reader says it
            out.append("".join(f"{p}年" if p.isdigit() and is_year(p) else p for p in parts) or f"第{j + 1}列")
        return out

    def columns(self) -> list[Column]:
        """One column per value column, with its unit from the header, else the caption or title."""
        caption_unit = unit_of(self.caption) or unit_of(self.title)
        out: list[Column] = []
        for header in self._headers():
            unit = unit_of(header) or caption_unit
            out.append(Column(_strip_unit(header, unit), unit))
        return out

    @property
    def unit_column(self) -> int | None:
        """A label column headed 计量单位 / 单位: each row's unit, not part of its label."""
        return next(
            (
                j
                for j in range(self.label_columns)
                if any(_UNIT_HEADER.match(row[j]) for row in self.grid[: self.header_rows])
            ),
            None,
        )

    def records(self) -> list[Record]:
        """Every data row with a label and at least one value; a row's unit (its 计量单位 cell) is the
        unit of the values whose header names none; a 其中 row's label starts with its parent's."""
        headers, columns, unit_at = self._headers(), self.columns(), self.unit_column
        out: list[Record] = []
        parent = ""
        for row in self.data_rows:
            label = " ".join(dict.fromkeys(c for j, c in enumerate(row[: self.label_columns]) if c and j != unit_at))
            if _SUB_ROW.match(label) and parent and not _TOTAL_ROW.match(parent):
                label = f"{parent} {label}"  # 其中：住宅 under 房屋施工面积 is that area's part, not another 住宅
            else:
                parent = label
            row_unit = row[unit_at] if unit_at is not None else ""
            shown = [Column(c.header, row_unit) if row_unit and not unit_of(h) else c for c, h in zip(columns, headers)]
            cells = tuple((col, v) for col, v in zip(shown, row[self.label_columns :]) if v)
            if cells:
                out.append(Record(self.title, label, cells))
        return out

    def overview(self) -> str:
        """What the table is about, for questions on the whole table: title, columns and row labels."""
        labels = [r.row_label for r in self.records()]
        shown = "、".join(labels[:40]) + ("等" if len(labels) > 40 else "")
        columns = "、".join(c.label for c in self.columns())
        return SEPARATOR.join(
            p for p in (f"表：{self.title}" if self.title else "表", f"列：{columns}", f"{len(labels)}行：{shown}") if p
        )

    def plain_rows(self) -> list[str]:
        """Rows of a table without a header: the cells joined, so the words are still searchable."""
        return [SEPARATOR.join(c for c in row if c) for row in self.grid]


def _unit_row(filled: list[str]) -> bool:
    """A row that only states the unit (``单位：%`` and its translation ``(%)``)."""
    return any(is_unit_line(c) for c in filled) and all(
        is_unit_line(c) or (_WHOLE_BRACKET.match(c) and _translation(c)) for c in filled
    )


def _years_across(values: list[str]) -> bool:
    """Header cells of a table with years across: all years, each later (or earlier) than the one before."""
    if len(values) < 2 or not all(is_year(v) for v in values):
        return False
    years = [int(v.strip()[:4]) for v in values]
    steps = {b > a for a, b in pairwise(years) if a != b}
    return len(steps) == 1 and len(set(years)) == len(years)


def _without_translations(grid: list[list[str]]) -> list[list[str]]:
    """Drop the English columns of a bilingual yearbook table (``National Total`` beside ``全国``):
    a column none of whose cells has Chinese or a figure, in a table that has Chinese."""
    width = len(grid[0]) if grid else 0
    if not any(_CJK.search(c) for row in grid for c in row):
        return grid
    keep = [
        j
        for j in range(width)
        if not (any(row[j] for row in grid) and all(_translation(row[j]) for row in grid if row[j]))
    ]
    return [[row[j] for j in keep] for row in grid] if len(keep) < width else grid


def expand_spans(rows: list[list[tuple[str, int, int]]]) -> list[list[str]]:
    """Grid from rows of (text, rowspan, colspan): a merged cell's text fills every cell it covers."""
    grid: list[list[str | None]] = []
    for r, row in enumerate(rows):
        while len(grid) <= r:
            grid.append([])
        j = 0
        for text, rowspan, colspan in row:
            while j < len(grid[r]) and grid[r][j] is not None:
                j += 1
            for dr in range(max(rowspan, 1)):
                while len(grid) <= r + dr:
                    grid.append([])
                target = grid[r + dr]
                while len(target) < j + max(colspan, 1):
                    target.append(None)
                for dc in range(max(colspan, 1)):
                    target[j + dc] = text
            j += max(colspan, 1)
    return [[c or "" for c in row] for row in grid]
