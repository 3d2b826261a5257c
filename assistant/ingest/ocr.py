"""OCR for scanned PDF pages and images, on the CPU, with models that ship inside a wheel.

Why RapidOCR's ``rapidocr-onnxruntime`` 1.4.4: its wheel carries PP-OCRv4's Chinese detection and
recognition models and the angle classifier (``rapidocr_onnxruntime/models/*.onnx``, 16 MB), its
config names them by path inside the package and it has no download code at all — so nothing is
fetched at run time. (``rapidocr`` 3.x also ships its models, but fetches a model or the character
list from ModelScope whenever a file is missing or fails its checksum.) onnxruntime, which runs
them, sends usage telemetry to Microsoft when a session starts unless ``ORT_DISABLE_TELEMETRY`` is
set before it is imported: the engine sets it, so OCR makes no network request of any kind.

A page is rendered (PDF pages with PDFium at :data:`DPI`), trimmed to its inked area (detection
time grows with the blank page around a short text), recognized into :class:`Line` boxes with
confidences, and laid out into paragraphs and tables by :mod:`assistant.ingest.ocr_layout`.
"""

from __future__ import annotations

import io
import os
import statistics
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tqdm import tqdm

from assistant.errors import AssistantError, DocumentError
from assistant.ingest.ocr_layout import Block, Line, lay_out

if TYPE_CHECKING:
    from PIL import Image

DPI = 150  # PDF pages are rendered at this resolution: print-size Chinese is ~30 px high, enough
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")
_MARGIN = 16  # pixels kept around the inked area
_INK = 200  # a pixel darker than this (0–255 grey) is ink
_WORD_SPACE = 0.6  # of the line height: a wider blank inside one detected line is written as a space
# Of the line height: a wider blank between two runs of words inside one detected line is a column gap.
_CELL_SPLIT = 0.75
_VERTICAL = 1.5  # a detected line this many times taller than wide runs down the page
_SHORT_RUN = 2  # words (characters, for Chinese): 北, 表1 — a letter-spaced name or a table number
_UNSURE_MARK = 0.65  # a punctuation mark read with less confidence is dropped (see _line_text)
_MIN_CONFIDENCE = 0.6  # a page whose lines average less is noise, not text
# A page whose ink lies more than this share outside its text boxes is a chart or a figure: its
# labels and tick values, laid out, would make a table of nonsense.
_FIGURE_INK = 0.5


class OcrUnavailable(AssistantError):
    """The OCR engine cannot start here (e.g. OpenCV misses a system library)."""


@cache
def _engine() -> Any:
    """The recognizer, loaded once per process (about a second)."""
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")  # read by onnxruntime when it loads, see above
    try:
        from rapidocr_onnxruntime import RapidOCR
    except ImportError as exc:
        raise OcrUnavailable(
            f"the OCR engine cannot load ({exc}); install rapidocr-onnxruntime and its system libraries"
        ) from exc
    # "max": shrink only pages over 2000 px; the default ("min" 736) enlarges a short strip of text
    # threefold, and the detector then splits its lines at every blank
    return RapidOCR(det_limit_type="max", det_limit_side_len=2000)


def _trim(image: Image.Image) -> tuple[Image.Image, int, int]:
    """The inked part of the page and its offset; a blank page stays as it is."""
    from PIL import ImageOps

    grey = image.convert("L")
    box = ImageOps.invert(grey).point(lambda p: 255 if p > 255 - _INK else 0).getbbox()
    if box is None:
        return image, 0, 0
    x0, y0 = max(box[0] - _MARGIN, 0), max(box[1] - _MARGIN, 0)
    x1, y1 = min(box[2] + _MARGIN, image.width), min(box[3] + _MARGIN, image.height)
    return image.crop((x0, y0, x1, y1)), x0, y0


def _line_text(text: str, height: float, word_info: Sequence[Any]) -> str:
    """A line's text rebuilt from its words (characters, for Chinese) and their boxes.

    A space goes where two figures or words stand apart (``附表2　2022年…``): the detector may keep
    such a line whole, and without the blank 附表2 and 2022年 read 22022年. Between Chinese
    characters a blank is letter spacing (``贵　州``) and gets no space; a punctuation mark read
    there with low confidence (``贵：州``) is the blank misread, and is dropped.
    """
    boxes, words, confidences = (list(word_info) + [None, None, None])[:3]
    if not words or not boxes or len(words) != len(boxes) or len(confidences or ()) != len(words):
        return text
    out, last_right = "", None
    for word, box, confidence in zip(words, boxes, confidences):
        if confidence < _UNSURE_MARK and not any(c.isalnum() for c in word):
            continue
        apart = last_right is not None and min(p[0] for p in box) - last_right > _WORD_SPACE * height
        if apart and out[-1:].isascii() and out[-1:].isalnum() and word[:1].isascii() and word[:1].isalnum():
            out += " "
        out += word
        last_right = max(p[0] for p in box)
    return out


def _cells(text: str, xs: list[float], height: float, word_info: Sequence[Any]) -> list[tuple[str, float, float]]:
    """A detected line as (text, left, right) pieces: the detector may box two table cells as one
    line (two header cells ``研究与试验发展（R&D）经`` ``研究与试验发展`` 0.9 line heights apart); a
    blank wider than :data:`_CELL_SPLIT` between two runs of more than :data:`_SHORT_RUN` words
    cuts it. A short run (北　京, 表1 before 2023年…) stays with its neighbour."""
    boxes, words, confidences = (list(word_info) + [None, None, None])[:3]
    if not words or not boxes or len(words) != len(boxes) or len(confidences or ()) != len(words):
        return [(_line_text(text, height, word_info), min(xs), max(xs))]
    cuts = [
        i
        for i in range(1, len(boxes))
        if min(p[0] for p in boxes[i]) - max(p[0] for p in boxes[i - 1]) > _CELL_SPLIT * height
    ]
    bounds = [0, *cuts, len(boxes)]
    runs: list[tuple[int, int]] = []
    for start, end in zip(bounds, bounds[1:]):
        if runs and min(end - start, runs[-1][1] - runs[-1][0]) <= _SHORT_RUN:
            runs[-1] = (runs[-1][0], end)
        else:
            runs.append((start, end))
    return [
        (
            _line_text(text, height, (boxes[a:b], words[a:b], confidences[a:b])),  # type: ignore[index]
            min(p[0] for box in boxes[a:b] for p in box),
            max(p[0] for box in boxes[a:b] for p in box),
        )
        for a, b in runs
    ]


def _down(xs: list[float], word_info: Sequence[Any]) -> list[tuple[str, float, float, float, float]]:
    """A column of letter-spaced names (江　西 over 山　东) the detector read as one vertical line
    (西东南): its characters go back to their rows, each as high as the line's box is wide (padded
    like a horizontal line's box, so 江 and 西 one em apart are still one cell)."""
    side = max(xs) - min(xs)
    out = []
    for word, box in zip(word_info[1], word_info[0]):
        cy = statistics.fmean(p[1] for p in box)
        out.append((word, min(xs), cy - side / 2, max(xs), cy + side / 2))
    return out


def recognize(image: Image.Image) -> list[Line]:
    """Text lines of a page image with boxes in the image's pixels and confidences."""
    import numpy as np

    page, dx, dy = _trim(image.convert("RGB"))
    result, _ = _engine()(np.asarray(page), return_word_box=True)
    lines = []
    for box, text, confidence, *word_info in result or []:
        xs, ys = [p[0] for p in box], [p[1] for p in box]
        height = max(ys) - min(ys)
        if height > _VERTICAL * (max(xs) - min(xs)) and len(word_info) >= 2 and word_info[0] and word_info[1]:
            pieces = _down(xs, word_info)
        else:
            pieces = [(cell, x0, min(ys), x1, max(ys)) for cell, x0, x1 in _cells(text, xs, height, word_info)]
        lines.extend(
            Line(t.strip(), x0 + dx, y0 + dy, x1 + dx, y1 + dy, float(confidence))
            for t, x0, y0, x1, y1 in pieces
            if t.strip()
        )
    return lines


class FigurePage(DocumentError):
    """A page or image that is a picture — a chart, a photo, a diagram — with only labels as text."""


def ink_outside_text(image: Image.Image, lines: list[Line]) -> float:
    """Share of the inked pixels that lie outside every text box: near 0 on a scanned page of text
    or a table (ink is letters), large on a chart (bars, curves, fills, axes)."""
    import numpy as np

    ink = np.asarray(image.convert("L")) < _INK
    total = int(ink.sum())
    if not total:
        return 0.0
    for line in lines:
        ink[
            max(int(line.y0) - _MARGIN // 4, 0) : int(line.y1) + _MARGIN // 4 + 1,
            max(int(line.x0) - _MARGIN // 4, 0) : int(line.x1) + _MARGIN // 4 + 1,
        ] = False
    return float(ink.sum()) / total


def ocr_page(image: Image.Image, where: str) -> list[Block]:
    """A page as paragraphs and tables; a page with no credible text raises :class:`DocumentError`,
    a picture whose ink is mostly not text (a chart) :class:`FigurePage`."""
    lines = recognize(image)
    if not lines or sum(ln.confidence for ln in lines) / len(lines) < _MIN_CONFIDENCE:
        raise DocumentError(where, "OCR found no readable text (a blank or garbled image?)")
    if (outside := ink_outside_text(image, lines)) > _FIGURE_INK:
        raise FigurePage(where, f"a picture (chart or figure), not text: {outside:.0%} of its ink is outside the text")
    return lay_out(lines)


def ocr_image(path: Path) -> list[Block]:
    """An image file (.png, .jpg) read by OCR as one page."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(path.read_bytes())) as image:
            image.load()
            return ocr_page(image, path.name)
    except UnidentifiedImageError as exc:
        raise DocumentError(path.name, "cannot read as an image: not a PNG or JPEG file, or a damaged one") from exc
    except (OSError, SyntaxError) as exc:  # Pillow raises these on truncated or corrupt image data
        raise DocumentError(path.name, f"cannot read as an image: {exc}") from exc
    except OcrUnavailable as exc:
        raise DocumentError(path.name, str(exc)) from exc


def ocr_pdf_pages(
    data: bytes, numbers: Sequence[int], name: str, figures: list[int] | None = None
) -> dict[int, list[Block]]:
    """The given pages (1-based) of a PDF, rendered and read by OCR, with a progress bar per page.

    A page that yields no text is left out (a blank page in a scan is no error), and so is a page
    that is a chart or figure (its number goes to ``figures``, for the caller to say so); the caller
    decides whether the file as a whole had anything to index.
    """
    import pypdfium2

    out: dict[int, list[Block]] = {}
    pdf = pypdfium2.PdfDocument(data)
    try:
        for number in tqdm(numbers, desc=f"OCR {name[:30]}", unit="page", leave=False, disable=None):
            image = pdf[number - 1].render(scale=DPI / 72).to_pil()
            try:
                out[number] = ocr_page(image, f"{name} page {number}")
            except FigurePage:
                if figures is not None:
                    figures.append(number)
            except DocumentError:
                continue
    except OcrUnavailable as exc:
        raise DocumentError(name, str(exc)) from exc
    finally:
        pdf.close()
    return out
