"""Scanned documents built for the tests: HTML printed by headless Chromium, rasterized by PDFium.

A "scan" is what a user's scanner produces: pages that are pictures only, no text layer. The
bulletin table is cut from the national R&D statistical bulletin in ``../shared/corpora/`` (read
there, never copied into the project) so the OCR tests read a real table in a real print layout.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from assistant.settings import PROJECT_ROOT

CHROMIUM = Path("/usr/bin/chromium")
# how the browser tests and the page benchmark start Chromium: headless in a container, no network of its own
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CORPORA = PROJECT_ROOT.parent / "shared" / "corpora" / "bulletins-policies"
BULLETIN_2022 = CORPORA / "huhuaping-techme__nbs_2022_quanguo_keji_jingfei_touru_tongji_gongbao.html"
# (a word of the caption above the table, the caption as printed)
REGION_TABLE = ("各地区", "附表2　2022年各地区研究与试验发展（R&D）经费情况")
INDUSTRY_TABLE = ("分行业", "附表1　2022年分行业规模以上工业企业研究与试验发展（R&D）经费情况")
DPI = 150


def print_to_pdf(page: Path, pdf: Path, timeout: float = 180) -> Path:
    """``page`` (an HTML file) printed to ``pdf`` by headless Chromium, as a browser's 打印 writes it."""
    subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            page.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=timeout,
    )
    return pdf


# From the same bulletin's text: a plain paragraph, as a scanned page of prose would carry it.
PARAGRAPH = (
    "2022年，全国共投入研究与试验发展（R&D）经费30782.9亿元，比上年增加2826.6亿元，增长10.1%；"
    "研究与试验发展（R&D）经费投入强度为2.54%，比上年提高0.11个百分点。"
    "按研究与试验发展（R&D）人员全时工作量计算的人均经费为48.4万元，比上年增加1.4万元。"
)


def need_chromium() -> None:
    if not CHROMIUM.exists():
        pytest.skip("needs Debian's chromium to print the test pages (CI installs it)")


def bulletin_table_html(table: tuple[str, str]) -> tuple[str, list[list[str]]]:
    """One of the bulletin's tables (:data:`REGION_TABLE`, :data:`INDUSTRY_TABLE`) as a standalone
    page with its caption, and its cells as expected (spaces inside names removed: ``北　京`` is 北京)."""
    from bs4 import BeautifulSoup

    if not BULLETIN_2022.exists():
        pytest.skip("needs ../shared/corpora/bulletins-policies")
    soup = BeautifulSoup(BULLETIN_2022.read_text(encoding="utf-8"), "lxml")
    word, title = table
    found = next(t for t in soup.find_all("table") if word in "".join(t.find_all_previous(string=True, limit=30)))
    cells = [[re.sub(r"\s", "", td.get_text()) for td in tr.find_all("td")] for tr in found.find_all("tr")]
    html = f'<p style="font-size:20px">{title.replace("&", "&amp;")}</p>{found}'
    return html, [row for row in cells if any(row)]


def paragraph_html() -> str:
    return f'<div style="font-size:20px;line-height:1.8;width:700px">{PARAGRAPH.replace("&", "&amp;")}</div>'


def print_pages(body: str, folder: Path, name: str) -> list[Image.Image]:
    """``body`` printed to PDF by headless Chromium, each page rendered to an image at :data:`DPI`."""
    import pypdfium2

    need_chromium()
    page = folder / f"{name}.html"
    page.write_text(f'<html><head><meta charset="utf-8"></head><body>{body}</body></html>', encoding="utf-8")
    printed = folder / f"{name}.printed.pdf"
    print_to_pdf(page, printed, timeout=180)
    pdf = pypdfium2.PdfDocument(printed)
    try:
        return [p.render(scale=DPI / 72).to_pil() for p in pdf]
    finally:
        pdf.close()


def image_only_pdf(images: list[Image.Image], path: Path) -> Path:
    """A PDF whose pages are the images and nothing else: no text layer, as a scanner writes it."""
    first, *rest = [i.convert("RGB") for i in images]
    first.save(path, "PDF", resolution=DPI, save_all=True, append_images=rest)
    return path
