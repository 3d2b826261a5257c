"""The wheel carries everything an answer needs: installed outside the checkout, it ingests and answers.

Prompts and data files were once read from the source tree, so ``pip install .`` could not answer.
The wheel is built offline from this checkout and installed into a fresh virtual environment in a
temporary folder; the environment borrows the already-installed dependencies (a ``.pth`` line to
this environment's site-packages, whose own ``.pth`` files, the editable install among them, are not
run), so the package under test is the wheel's copy and nothing else.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    done = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"{args}: {done.stdout[-2000:]}\n{done.stderr[-4000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    source = out / "source"  # setuptools builds in the tree it is given: a copy, so the checkout stays clean
    for part in ("assistant", "prompts"):
        shutil.copytree(ROOT / part, source / part, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", out, source)
    (built,) = out.glob("assistant-*.whl")
    return built


def test_the_wheel_holds_prompts_and_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for prompt in (ROOT / "prompts").glob("*.md"):
        assert f"assistant/prompts/{prompt.name}" in names
    for data in (ROOT / "assistant" / "data").iterdir():
        assert f"assistant/data/{data.name}" in names


def test_installed_outside_the_checkout_it_ingests_and_answers(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    site = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])").strip())
    (site / "borrowed.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    _run(sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", wheel)

    work = tmp_path / "work"
    (work / "docs").mkdir(parents=True)
    (work / "docs" / "泰兴市科技局2020年工作总结.txt").write_text(
        "泰兴市科技局2020年工作总结\n2020年，泰兴市新认定高新技术企业86家，高新技术产业产值增长12.5%。\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ASSISTANT_", "CHROMA_", "OPENAI_"))}
    env["ASSISTANT_DATA_DIR"] = str(work / ".data")
    where = _run(python, "-c", "import assistant; print(assistant.__file__)", cwd=work, env=env)
    assert where.startswith(str(site)), where  # the wheel's copy, not the checkout's
    _run(python, "-m", "assistant", "ingest", "-q", "docs", cwd=work, env=env)
    answer = json.loads(
        _run(
            python,
            "-m",
            "assistant",
            "ask",
            "泰兴市2020年新认定高新技术企业多少家？",
            "--backend",
            "extractive",
            "--json",
            cwd=work,
            env=env,
        )
    )
    assert not answer["refused"] and "86家" in answer["answer"], answer
    assert (work / ".data" / "index").is_dir()  # the index lives where the user works, not in site-packages
