"""A reference read of every numeric table cell that does not use the product's table parser.

Why: the round-trip benchmark (benchmarks/tables.py, tests/table_roundtrip.py) judges the
product's tables against something it did not make. Grids come from the raw libraries —
python-calamine's cell values (shown through each cell's number format: the display, not the
float, is what a reader of the sheet asks about), the csv module, python-docx's cell grid, lxml's
``<td>``s with their spans, pdfplumber's word positions — and this module finds, by the simplest rules that hold for a
statistical table, each numeric cell's row label (the nearest Chinese cell left of it), column
header (the non-numeric cells above it, a year counting as a header), unit (a bracket in the header,
a 单位 line, or the row's 计量单位 cell) and year (the column's, else the title's).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, replace
from pathlib import Path

_NUMBER = re.compile(r"^[-−]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?$")
_YEAR = re.compile(r"^((?:19|20)\d\d)\s*年?$")
_YEAR_IN = re.compile(r"((?:19|20)\d\d)\s*年")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_UNIT_LINE = re.compile(r"(?:计量)?单位\s*[:：]\s*([^\s,，;；)）(（]{1,6})")
_BRACKET = re.compile(r"[(（]\s*([^()（）]{1,6})\s*[)）]\s*$")
_UNITS = re.compile(
    r"^(?:万亿|亿|千万|百万|万|千)?(?:元|美元|%|‰|个|家|人|项|件|台|套|吨|亩|户|名|次|篇|所|座|人年|人次|平方米|公里)$"
)
_UNIT_HEADER = re.compile(r"^(?:计量)?单位$")
_GENERIC = frozenset("绝对数 绝对额 数值 数量 总量 指标值 本期".split())
_TITLE_NOISE = re.compile(
    r"^(?:附表|表)?\s*[\d\-－—.]+\s*|^(?:附表|表)\s*[一二三四五六七八九十\d]+\s*|"
    r"(?:19|20)\d\d(?:\s*[-—–~至]\s*(?:19|20)?\d\d)?\s*年?|各地区|分地区|分行业|各行业|主要|情况|[(（][^()（）\u4e00-\u9fff]*[)）]$"
)


@dataclass(frozen=True)
class RefCell:
    """One numeric cell as the reference reads it, and the question a user would ask for it."""

    table: str
    label: str
    header: str
    unit: str
    value: str  # as displayed
    year: int | None
    parent: str = ""  # the row a 其中 row is part of (房屋施工面积 for 其中：住宅)

    @property
    def indicator(self) -> str:
        """What the cell measures in a user's words: the header, or the table's subject when the
        header is only a year (years across)."""
        header = _BRACKET.sub("", self.header).strip()
        if _YEAR.match(header) or not header:
            return _TITLE_NOISE.sub("", self.table).strip() or self.table
        return "" if header in _GENERIC else header  # 绝对数: the row label says what it is

    @property
    def question(self) -> str:
        indicator = "" if self.indicator and self.label.endswith(self.indicator) else self.indicator
        return f"{f'{self.year}年' if self.year else ''}{self.label}{self.parent}{indicator}是多少？"


def compact(text: str) -> str:
    """Blanks out of Chinese (北    京 → 北京), single blanks elsewhere."""
    text = " ".join(str(text).split())
    return re.sub(r"(?<=[^\x00-\x7f]) | (?=[^\x00-\x7f])", "", text)


def _numeric(cell: str) -> bool:
    return bool(_NUMBER.match(cell)) and not _YEAR.match(cell)


def _unit(text: str) -> str:
    for pattern in (_BRACKET, _UNIT_LINE):
        m = pattern.search(text)
        if m and _UNITS.match(m.group(1).strip()):
            return m.group(1).strip()
    return ""


def cells_of(grid: list[list[str]], title: str = "", year: int | None = None) -> list[RefCell]:
    """Every numeric cell of a grid with its row label, header, unit and year."""
    grid = [[compact(c) for c in row] for row in grid if any(str(c).strip() for c in row)]
    lines: list[str] = [title] if title else []
    while grid and (
        # one cell, or a merged one spanning the row from its label column (a title); a header cell
        # spanning two value columns (研究与试验发展(R&D)经 over both) is not
        sum(bool(c) for c in grid[0]) == 1
        or (grid[0][0] and len({c for c in grid[0] if c}) == 1)
        or (_UNIT_LINE.search(" ".join(grid[0])) and not any(_numeric(c) for c in grid[0]))
    ):
        lines += [c for c in dict.fromkeys(grid[0]) if c]  # title, English title and unit lines
        grid = grid[1:]
    first = next((i for i, row in enumerate(grid) if sum(_numeric(c) for c in row[1:]) >= 1), None)
    if first is None or first == 0:
        return []
    heads = grid[:first]
    table = next((line for line in lines if _CJK.search(line) and "单位" not in line), title)
    table_unit = next((u for u in map(_unit, lines) if u), "")
    table_year = year
    if m := _YEAR_IN.search(table):
        table_year = int(m.group(1))
    unit_col = next(
        (j for j in range(len(grid[0])) if any(_UNIT_HEADER.match(h[j]) for h in heads if j < len(h))), None
    )
    out, parent = [], ""
    for row in grid[first:]:
        first_label = next((c for c in row if _CJK.search(c) and not _numeric(c)), "")
        sub = re.match(r"^(?:其中\s*[:：]?|#)", first_label)  # 其中：住宅, or a bulletin's #住宅
        parent = parent if sub else ("" if first_label in ("合计", "总计", "小计", "全部", "全国") else first_label)
        for j, cell in enumerate(row):
            if not _numeric(cell):
                continue
            label = next((c for c in row[:j] if _CJK.search(c) and not _numeric(c)), "")
            whole = ""
            if sub and label == first_label:  # 其中：住宅 under 房屋施工面积: a user asks for 住宅房屋施工面积
                label, whole = label[sub.end() :], parent
            parts = list(
                dict.fromkeys(h[j] for h in heads if j < len(h) and h[j] and (_CJK.search(h[j]) or _YEAR.match(h[j])))
            )
            if not label or not parts:
                continue
            header = "".join(parts)
            row_unit = (
                row[unit_col]
                if unit_col is not None and 0 < len(row[unit_col]) <= 6 and not _numeric(row[unit_col])
                else ""
            )
            unit = _unit(header) or row_unit or table_unit
            col_year = next((int(m.group(1)) for p in parts if (m := _YEAR.match(p) or _YEAR_IN.search(p))), None)
            out.append(RefCell(table, label, header, unit, cell, col_year or table_year, whole))
    return out


# --- raw grids per format -------------------------------------------------------------------------


def workbook_cells(path: Path) -> list[RefCell]:
    """python-calamine's values of every visible sheet, as each cell's number format shows them."""
    from python_calamine import CalamineWorkbook

    from assistant.ingest.readers.numfmt import format_value
    from assistant.ingest.readers.sheet_layout import SheetLayout
    from assistant.ingest.readers.sheets import _layouts, _unlocked

    data = _unlocked(path.name, path.read_bytes())
    layouts = {s.name: s for s in _layouts(data, 10**6)}
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    out = []
    for name in workbook.sheet_names:
        layout = layouts.get(name, SheetLayout(name))
        if layout.hidden:
            continue
        rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False)
        grid = [
            [format_value(v, layout.formats.get((r, c))) if v != "" else "" for c, v in enumerate(row)]
            for r, row in enumerate(rows)
            if r not in layout.hidden_rows
        ]
        out += cells_of(grid)
    return out


def csv_cells(path: Path) -> list[RefCell]:
    from assistant.ingest.readers.base import decode_text

    text = decode_text(path.read_bytes(), path.name)
    return cells_of(list(csv.reader(io.StringIO(text))))


def docx_cells(path: Path) -> list[RefCell]:
    """python-docx's grid of each table (a merged cell repeated), titled by the paragraph above it."""
    import docx
    from docx.table import Table

    source = docx.Document(str(path))
    out, before = [], ""
    for element in source.element.body.iterchildren():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag == "p":
            text = "".join(t.text or "" for t in element.iter() if t.tag.endswith("}t")).strip()
            before = text or before
        elif tag == "tbl":
            grid = [[cell.text for cell in row.cells] for row in Table(element, source).rows]
            out += cells_of(grid, before if len(before) <= 60 else "")
    return out


def html_cells(path: Path) -> list[RefCell]:
    """lxml's innermost ``<table>``s, rowspan/colspan expanded, titled by their caption or the line above."""
    import lxml.html

    from assistant.ingest.readers.base import decode_text

    root = lxml.html.fromstring(decode_text(path.read_bytes(), path.name))
    out = []
    for table in root.iter("table"):
        if table.find(".//table") is not None:
            continue
        caption = table.find("caption")
        title = compact(caption.text_content()) if caption is not None else _line_before(table)
        out += cells_of(_spanned(table), title)
    return out


def _line_before(table) -> str:
    """The nearest non-empty element before the table, looking through the elements that wrap it."""
    node, holder = table.getprevious(), table
    while node is None or not compact(node.text_content()):
        if node is None:
            holder = holder.getparent()
            if holder is None or holder.tag == "body":
                return ""
            node = holder.getprevious()
        else:
            node = node.getprevious()
    text = compact(node.text_content()) if node is not None else ""
    return text if len(text) <= 60 else ""


def _spanned(table) -> list[list[str]]:
    grid: dict[tuple[int, int], str] = {}
    rows = [tr for tr in table.iter("tr") if next(tr.iterancestors("table")) is table]
    for r, tr in enumerate(rows):
        c = 0
        for cell in tr:
            if cell.tag not in ("td", "th"):
                continue
            while (r, c) in grid:
                c += 1
            text = compact(cell.text_content())
            for dr in range(int(cell.get("rowspan", "1") or 1)):
                for dc in range(int(cell.get("colspan", "1") or 1)):
                    grid[(r + dr, c + dc)] = text
            c += int(cell.get("colspan", "1") or 1)
    height = max((r for r, _ in grid), default=-1) + 1
    width = max((c for _, c in grid), default=-1) + 1
    return [[grid.get((r, c), "") for c in range(width)] for r in range(height)]


def pdf_cells(path: Path) -> list[RefCell]:
    """Word positions of the text layer (tests/table_reference_pdf.py)."""
    import table_reference_pdf

    return table_reference_pdf.pdf_cells(path)


READERS = {
    ".xlsx": workbook_cells,
    ".xlsm": workbook_cells,
    ".xls": workbook_cells,
    ".csv": csv_cells,
    ".docx": docx_cells,
    ".html": html_cells,
    ".htm": html_cells,
    ".pdf": pdf_cells,
}


def reference_cells(path: Path) -> list[RefCell]:
    """The reference read of ``path``'s tables; [] for a format without a reference reader."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        return []
    years = {int(y) for y in re.findall(r"(?<!\d)((?:19|20)\d\d)(?!\d)", path.stem)}
    year = years.pop() if len(years) == 1 else None  # a file named for one year: its tables' year
    return [c if c.year or year is None else replace(c, year=year) for c in reader(path)]
