"""Big report files built on demand (never shipped): the 30 MB campaign file and its smaller
cousins. Shared by tests/test_heavy_input.py and benchmarks/big_file.py, so the benchmark
measures the file the test interrupts."""

from __future__ import annotations

from pathlib import Path

UNIT = (
    "全年新认定国家高新技术企业86家，有效期内国家高企达227家。全市技术合同登记成交金额698.89万元，同比增长12.5%。"
    "新增省级科技型中小企业入库312家，培育科技企业孵化器4家。发明专利授权量达到1457件，每万人发明专利拥有量23.6件。"
    "研发经费投入占地区生产总值比重达到2.65%。\n"
)


def write_repeated(path: Path, megabytes: float) -> Path:
    """A big report made of one repeated paragraph: heavy to chunk and write, cheap to embed
    (identical chunks are embedded once, which is part of what is tested)."""
    path.write_text(UNIT * int(megabytes * 1024 * 1024 // len(UNIT.encode())), encoding="utf-8")
    return path


def write_distinct(path: Path, lines: int) -> Path:
    """A report whose every chunk is different, so every batch needs the embedder."""
    path.write_text(
        "\n".join(
            f"第{i}项：{2000 + i % 20}年第{i}批新认定国家高企{i * 7 % 997}家，技术合同成交额{i * 13 % 9973}万元。"
            for i in range(lines)
        ),
        encoding="utf-8",
    )
    return path
