"""The local model in process vs. in its supervised server: answer latency, memory, restart, first paint.

* latency — median/p95 of whole answers (retrieve → prompt → generate → verify) on gold questions,
  each phase in a fresh process after one warm-up answer: ``inprocess`` runs llama.cpp inside the
  answering process (the old design; ``--no-extra-bufts`` loads it with ``use_extra_bufts=False``,
  the fix for native AMX builds), ``server`` goes through :mod:`assistant.localmodel.server`.
  The difference is the HTTP hop (and any difference in how the two load the model).
* memory — RSS of the answering process (what the page holds) and of the model process.
* restart — ``kill -9`` of the model process until the supervisor reports it ready again.
* tokens/s (``--speed``) — raw llama.cpp prompt and generation speed of whichever llama-cpp-python is
  importable (put another build first on PYTHONPATH to measure it), in a child process whose exit
  signal is reported: a build that crashes here says ``SIGSEGV`` instead of taking the benchmark down.
* first paint — ``app.py`` with the local backend: port open, title visible in Chromium, and the
  page's model line showing 就绪 (benchmarks/page.py's measurement; needs /usr/bin/chromium).

Run: .venv/bin/python benchmarks/local_model.py [--questions 24] [--no-extra-bufts]   (needs an index: make ingest)
     [PYTHONPATH=/other/llama-build] .venv/bin/python benchmarks/local_model.py --speed [--no-extra-bufts]
Results go to stdout and benchmarks/out/local_model.json.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.evaluate.run import DEFAULT_GOLD, load_gold  # noqa: E402
from assistant.settings import get_settings  # noqa: E402


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def questions(n: int) -> list[str]:
    """``n`` gold questions spread evenly over the file (as ``eval --sample`` picks them), no drafts."""
    items = [i for i in load_gold(DEFAULT_GOLD) if i["kind"] != "draft" and not i.get("history")]
    return [items[round(j * (len(items) - 1) / (n - 1))]["question"] for j in range(n)]


def load_llama(settings: Any, extra_bufts: bool) -> Any:
    """llama.cpp in this process, as before isolation (for comparison only)."""
    import llama_cpp.llama_cpp as native
    from llama_cpp import Llama

    from assistant.localmodel.model_file import ensure_model

    if not extra_bufts:  # llama-cpp-python 0.3.36 has no Llama() argument for it: set it in the default params
        defaults = native.llama_model_default_params

        def params() -> Any:
            p = defaults()
            p.use_extra_bufts = False
            return p

        native.llama_model_default_params = params
    a = settings.answer
    return Llama(
        model_path=str(ensure_model(settings.model_cache_dir, a.local_model_path)),
        n_ctx=a.local_context,
        n_threads=a.local_threads,
        verbose=False,
    )


def speed(extra_bufts: bool) -> dict[str, Any]:
    """Prompt and generation tokens/s of the importable llama.cpp build, on one of the chain's prompts' size."""
    import llama_cpp

    llama = load_llama(get_settings(), extra_bufts)
    prompt = (
        "以下是科技局工作报告的摘录。"
        + "全年新认定国家高新技术企业86家，高新技术产业产值增长12.3%。" * 12
        + "\n问：新认定国家高企多少家？\n答："
    )
    t0 = time.perf_counter()
    stamps = [time.perf_counter() for _ in llama.create_completion(prompt, max_tokens=48, temperature=0, stream=True)]
    n_prompt = len(llama.tokenize(prompt.encode()))
    compiled = [
        p.split("=")[0].split(":")[-1].strip()
        for p in llama_cpp.llama_print_system_info().decode().split("|")
        if p.strip().endswith("= 1")
    ]
    return {
        "llama_cpp": llama_cpp.__file__,
        "compiled": " ".join(compiled),
        "extra_bufts": extra_bufts,
        "prompt_tokens": n_prompt,
        "prompt_tokens_per_s": round(n_prompt / (stamps[0] - t0), 1),
        "generated_tokens": len(stamps),
        "generation_tokens_per_s": round((len(stamps) - 1) / (stamps[-1] - stamps[0]), 2),
    }


def in_process_chat(settings: Any, extra_bufts: bool) -> Any:
    """The pre-isolation design's chat model over :func:`load_llama`."""
    from langchain_core.language_models.chat_models import BaseChatModel, generate_from_stream
    from langchain_core.messages import AIMessageChunk
    from langchain_core.outputs import ChatGenerationChunk

    a = settings.answer
    llama = load_llama(settings, extra_bufts)
    roles = {"human": "user", "ai": "assistant", "system": "system"}

    class InProcessChat(BaseChatModel):
        @property
        def _llm_type(self) -> str:
            return "llama-cpp-in-process"

        def _stream(self, messages: list[Any], stop: Any = None, run_manager: Any = None, **kw: Any) -> Iterator[Any]:
            for part in llama.create_chat_completion(
                messages=[{"role": roles.get(m.type, "user"), "content": str(m.content)} for m in messages],
                max_tokens=kw.get("max_tokens", a.max_tokens),
                temperature=a.temperature,
                stop=stop,
                stream=True,
            ):
                token = part["choices"][0]["delta"].get("content") or ""
                if token:
                    chunk = ChatGenerationChunk(message=AIMessageChunk(content=token))
                    if run_manager:
                        run_manager.on_llm_new_token(token, chunk=chunk)
                    yield chunk

        def _generate(self, messages: list[Any], stop: Any = None, run_manager: Any = None, **kw: Any) -> Any:
            return generate_from_stream(self._stream(messages, stop, run_manager, **kw))

    return InProcessChat()


def phase(name: str, n: int, extra_bufts: bool) -> dict[str, Any]:
    """One design's figures, measured in this (fresh) process."""
    from assistant.answer.chain import Answerer

    settings = get_settings()
    t0 = time.perf_counter()
    if name == "inprocess":  # the local backend's chain and prompts, with the model in this process
        from assistant.answer.backends.chat import ChatBackend

        model = in_process_chat(settings, extra_bufts)
        answerer = Answerer(
            settings, backend=ChatBackend("local", model, settings, max_passages=settings.answer.local_passages)
        )
        server = None
    else:
        from assistant.localmodel.server import shared_server

        answerer = Answerer(settings, backend="local")
        server = shared_server(settings)
        server.wait_ready(600)
    load_s = time.perf_counter() - t0
    answerer.ask("泰兴市2020年新认定国家高企多少家？")  # warm-up: first prompt, jieba, embedder
    latencies, fallbacks = [], 0
    for q in questions(n):
        answer = answerer.ask(q)
        latencies.append(answer.timings["total_ms"] / 1000)
        fallbacks += "进程" in answer.notice or "无法启动" in answer.notice
        print(f"  {name}: {latencies[-1]:6.1f} s  {answer.backend:10} {q}", file=sys.stderr, flush=True)
    out: dict[str, Any] = {
        "questions": n,
        "load_s": round(load_s, 1),
        "median_s": round(statistics.median(latencies), 2),
        "p95_s": round(sorted(latencies)[max(0, round(0.95 * len(latencies)) - 1)], 2),
        "mean_s": round(statistics.fmean(latencies), 2),
        "answering_process_rss_mb": round(rss_mb(os.getpid())),
        "model_failures": fallbacks,
    }
    if server is not None:
        status = server.status
        out["model_process_rss_mb"] = round(rss_mb(status.pid))
        t1 = time.perf_counter()
        os.kill(status.pid, signal.SIGKILL)
        while server.status.pid == status.pid:
            time.sleep(0.01)
        server.wait_ready(600)
        out["restart_after_kill_s"] = round(time.perf_counter() - t1, 1)
        server.stop()
    return out


def page_with_model_starting() -> dict[str, Any]:
    """First paint of the page while its local model loads, and when the page shows it ready."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from page import ARGS, first_paint
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        try:
            listening, painted, ready = first_paint(browser, backend="local", wait_for="#model-state .ready")
        finally:
            browser.close()
    return {
        "listening_s": round(listening, 2),
        "first_paint_s": round(painted, 2),
        "model_ready_on_page_s": round(ready, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=24)
    parser.add_argument("--no-extra-bufts", action="store_true", help="in-process: load with use_extra_bufts=False")
    parser.add_argument("--speed", action="store_true", help="only llama.cpp's raw tokens/s (in a child process)")
    parser.add_argument(
        "--phase", choices=["inprocess", "server", "speed"], help=argparse.SUPPRESS
    )  # one part, in a child
    args = parser.parse_args()
    if args.phase == "speed":
        print(json.dumps(speed(not args.no_extra_bufts)))
        return
    if args.phase:
        print(json.dumps(phase(args.phase, args.questions, not args.no_extra_bufts)))
        return
    if args.speed:
        cmd = [sys.executable, __file__, "--phase", "speed"] + (["--no-extra-bufts"] if args.no_extra_bufts else [])
        child = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
        print(
            child.stdout.strip()
            if child.returncode == 0
            else json.dumps(
                {
                    "crashed": signal.Signals(-child.returncode).name
                    if child.returncode < 0
                    else f"exit {child.returncode}",
                    "extra_bufts": not args.no_extra_bufts,
                    "pythonpath": os.environ.get("PYTHONPATH", ""),
                }
            )
        )
        return
    results: dict[str, Any] = {}
    for name in ("inprocess", "server"):  # each in a fresh process: clean memory figures, one model loaded at a time
        cmd = [sys.executable, __file__, "--phase", name, "--questions", str(args.questions)]
        cmd += ["--no-extra-bufts"] if args.no_extra_bufts else []
        results[name] = json.loads(subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout)
    results["http_hop_pct"] = round(100 * (results["server"]["median_s"] / results["inprocess"]["median_s"] - 1), 1)
    if Path("/usr/bin/chromium").exists():
        results["page"] = page_with_model_starting()
    print(json.dumps(results, indent=2))
    out = ROOT / "benchmarks" / "out"
    out.mkdir(exist_ok=True)
    (out / "local_model.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
