"""Tests for ``assistant.ingest.readers``: every supported format and encoding, and every refusal.

Documents are real files written to ``tmp_path`` (no mocks): text in UTF-8, GBK/GB18030 and Big5,
HTML, a python-docx DOCX, a hand-built PDF with a text layer and a blank pypdf PDF. Chinese
excerpts are copied from the seed reports in ``knowledge/``.
"""

from __future__ import annotations

import random
from pathlib import Path

import docx
import pytest
from bombs import pdf
from pypdf import PdfWriter

from assistant.errors import DocumentError
from assistant.ingest.readers import decode_text, read_document

# knowledge/001 (泰兴, Simplified): punctuation, ASCII digits and full-width quotes.
SIMPLIFIED = (
    "2.创新能力明显提升。一是科技研发投入持续增长。注重发挥财政资金引导作用,促进科技研发投入持续增长。"
    "2019年度全社会研发经费占GDP的比重达2.65%,列泰州第2。二是创新主体培育成效显著。"
    "全年新认定国家高企86家,有效期内国家高企达227家,列泰州第1;\n"
    "新认定科技型中小微企业297家,列泰州第1;\n"
    "为15家企业发放“苏科贷”贷款7840万元,同比增长29.8%。\n"
)

# knowledge/002 (Traditional) with the glued pinyin removed; every character exists in Big5.
TRADITIONAL = (
    "5.載體平臺先后引進,科技合作不斷拓展,為企業技術需求要提供直接保障。"
    "產業園入駐企業16家,注冊資金達1.5億元。"
    "中科院大連化物所**分中心已與10余家企業建立起了科技合作關系,達成合作項目4項,技術交易額達1.07億元;\n"
    "四是科技合作項目增多,2013年全年簽約科技合作項目35項,其中國際科技合作項目4項,"
    "全年引進技術成果交易額1.8億,技術市場交易額達1317.7萬元。\n"
)


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _minimal_pdf(text: str) -> bytes:
    """A one-page PDF whose content stream shows ``text`` in Helvetica, with a correct xref table.

    Neither reportlab nor fpdf is installed in the venv, so the file is assembled by hand; the
    offsets are computed, not hard-coded, so the xref is valid for any ASCII ``text``.
    """
    stream = f"BT /F1 24 Tf 72 700 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792]"
        b" /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    return pdf(objects)


# --- encodings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("utf8.txt", SIMPLIFIED.encode("utf-8")),
        ("utf8_bom.txt", b"\xef\xbb\xbf" + SIMPLIFIED.encode("utf-8")),
        ("utf16.txt", SIMPLIFIED.encode("utf-16")),  # Python writes a BOM first
        ("gbk.txt", SIMPLIFIED.encode("gbk")),
        ("gb18030.txt", SIMPLIFIED.encode("gb18030")),
    ],
)
def test_simplified_text_decodes_to_the_original(tmp_path: Path, name: str, data: bytes) -> None:
    """Mainland files come as UTF-8 (with or without BOM), UTF-16 or GBK/GB18030: all must read back
    exactly, with no BOM left at the start (a stray U+FEFF would end up in the first chunk)."""
    text = read_document(_write(tmp_path, name, data))
    assert text == SIMPLIFIED
    assert not text.startswith("\ufeff")


def test_big5_traditional_text_decodes_to_the_original(tmp_path: Path) -> None:
    """Taiwan/HK files are Big5. GB18030 accepts almost any byte pair, so the reader must not take
    Big5 bytes for GB18030 mojibake: the Traditional excerpt must come back unchanged."""
    data = TRADITIONAL.encode("big5")
    assert data.decode("big5") == TRADITIONAL  # the excerpt round-trips through Big5 at all
    assert read_document(_write(tmp_path, "big5.txt", data)) == TRADITIONAL


def test_decode_text_directly_on_gbk_and_big5_bytes() -> None:
    """``decode_text`` is the shared entry point (HTML uses it too); test it without a file."""
    assert decode_text(SIMPLIFIED.encode("gbk"), "a.txt") == SIMPLIFIED
    assert decode_text(TRADITIONAL.encode("big5"), "b.txt") == TRADITIONAL


# --- formats -----------------------------------------------------------------------------------


def test_markdown_is_read_as_plain_text(tmp_path: Path) -> None:
    """Regulations are stored as .md; their headings and HTML comments reach the cleaner verbatim."""
    source = "# 浙江省技术市场条例\n\n<!-- INFO END -->\n\n## 第一章\u3000总则\n\n第一条 为了促进技术交易。\n"
    assert read_document(_write(tmp_path, "条例.md", source.encode("utf-8"))) == source


def test_html_drops_script_and_style_and_keeps_the_text(tmp_path: Path) -> None:
    """Scraped pages carry scripts, styles and navigation; only the report text may be indexed."""
    html = (
        "<html><head><title>泰兴市科技局</title><style>.ad { color: red }</style>"
        "<script>var tracker = '广告统计代码';</script></head>"
        "<body><nav>首页 | 网站导航</nav>"
        "<p>全年新认定国家高企86家,有效期内国家高企达227家,列泰州第1;</p>"
        "<p>新增省级高新技术培育后备入库企业71家。</p>"
        "<script>document.write('推荐阅读')</script></body></html>"
    )
    text = read_document(_write(tmp_path, "page.html", html.encode("utf-8")))
    assert "全年新认定国家高企86家,有效期内国家高企达227家,列泰州第1;" in text
    assert "新增省级高新技术培育后备入库企业71家。" in text
    for noise in ("广告统计代码", ".ad", "color", "推荐阅读", "tracker", "网站导航"):
        assert noise not in text


def test_docx_paragraphs_and_table_rows(tmp_path: Path) -> None:
    """Figures in Word reports often sit in tables: each row must come out as one record line that
    names its row and column, after the paragraphs above it (body order)."""
    document = docx.Document()
    document.add_paragraph("一、2020年工作情况")
    document.add_paragraph("全市完成高新技术产业产值550亿元,占规上工业产值比重46.8%。")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "指标"
    table.cell(0, 1).text = "数值"
    table.cell(1, 0).text = "新认定国家高企"
    table.cell(1, 1).text = "86家"
    path = tmp_path / "report.docx"
    document.save(str(path))

    lines = read_document(path).split("\n")
    assert "一、2020年工作情况" in lines
    assert "全市完成高新技术产业产值550亿元,占规上工业产值比重46.8%。" in lines
    assert lines.index("新认定国家高企｜数值86家") > lines.index(
        "全市完成高新技术产业产值550亿元,占规上工业产值比重46.8%。"
    )


def test_pdf_with_a_text_layer(tmp_path: Path) -> None:
    """A born-digital PDF: the text layer is extracted, figure and percent sign intact."""
    text = read_document(_write(tmp_path, "report.pdf", _minimal_pdf("R&D 2.65%")))
    assert "R&D 2.65%" in text


def test_pdf_without_text_layer_is_refused(tmp_path: Path) -> None:
    """A blank scan: OCR reads nothing on it; indexing it would add an empty document, so it must be reported."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    path = tmp_path / "scan.pdf"
    with path.open("wb") as handle:
        writer.write(handle)
    with pytest.raises(DocumentError) as caught:
        read_document(path)
    assert "no text layer" in caught.value.reason
    assert caught.value.path == "scan.pdf"


# --- refusals ----------------------------------------------------------------------------------


def _random_binary() -> bytes:
    data = random.Random(20240611).randbytes(4096)
    assert b"\x00" in data and not data.startswith((b"\xff\xfe", b"\xfe\xff"))
    return data


@pytest.mark.parametrize(
    ("name", "data", "keywords"),
    [
        ("empty.txt", b"", ("empty",)),
        ("blank.txt", b"  \n\t\r\n  \n", ("empty",)),
        ("nul.txt", "正文".encode() + b"\x00\x00\x00\x00" + "更多".encode(), ("binary", "NUL")),
        ("random.txt", _random_binary(), ("binary", "NUL")),
        ("table.xlsx", b"PK\x03\x04 not really a workbook", ("cannot parse", "XLSX")),
        ("broken.docx", random.Random(7).randbytes(2048), ("cannot parse", "DOCX")),
        ("broken.pdf", b"%PDF-1.4\n" + random.Random(8).randbytes(2048), ("cannot parse", "PDF")),
        ("truncated.pdf", _minimal_pdf("R&D 2.65%")[:300], ("cannot parse", "PDF")),
    ],
)
def test_unreadable_files_raise_document_error(
    tmp_path: Path, name: str, data: bytes, keywords: tuple[str, ...]
) -> None:
    """Each bad file must cost only itself: a DocumentError naming the file (not its full path)
    with a reason the user can act on, never a raw parser exception."""
    with pytest.raises(DocumentError) as caught:
        read_document(_write(tmp_path, name, data))
    error = caught.value
    assert error.path == name
    for keyword in keywords:
        assert keyword in error.reason
    assert str(error).startswith(f"{name}: ")


def test_unsupported_extension_lists_what_is_supported(tmp_path: Path) -> None:
    """The message for a wrong type must tell the user which types work."""
    with pytest.raises(DocumentError) as caught:
        read_document(_write(tmp_path, "slides.pptx", b"PK\x03\x04"))  # .png is read now (OCR)
    assert caught.value.reason.startswith("unsupported file type .pptx")
    assert ".txt" in caught.value.reason and ".html" in caught.value.reason


@pytest.mark.parametrize(
    "data",
    [b"\xef\xbb\xbf\r\n", b"\xff\xfe", "\u3000\u3000\n".encode("utf-8")],
    ids=["utf8-bom-and-newline", "bare-utf16-bom", "ideographic-spaces"],
)
def test_files_with_only_a_bom_or_full_width_blanks_are_empty(data: bytes) -> None:
    """Notepad saves an empty file as a lone BOM; such a file holds no text and should be refused
    as empty like any other blank file, with the same message."""
    with pytest.raises(DocumentError, match="empty"):
        decode_text(data, "blank.txt")
