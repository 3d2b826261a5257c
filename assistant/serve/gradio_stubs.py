"""Stop Gradio from regenerating its typing stubs at import, so the page paints sooner.

Gradio 6 (``gradio/component_meta.py``: ``ComponentMeta.__new__`` calls ``create_or_modify_pyi``)
rewrites its components' ``.pyi`` stubs on every import, parsing ~80 source files with ``ast``:
about 2 s of a 2-core machine's start-up, for files only an IDE reads. :func:`install` puts an
import hook in front that turns that one function into a no-op when ``gradio.component_meta`` is
first imported. ``ASSISTANT_GRADIO_STUBS=1`` keeps Gradio's behaviour.

Remove this module (and its call in app.py) when Gradio stops regenerating stubs at import — when
``create_or_modify_pyi`` is gone from ``component_meta.py`` or no longer called from
``ComponentMeta.__new__`` — or when ``benchmarks/page.py`` measures no difference with
``ASSISTANT_GRADIO_STUBS=1``. Checked against gradio 6.31.0 (pinned in pyproject.toml).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
from typing import Any


class _SkipGradioStubs(importlib.abc.MetaPathFinder):
    """Finds ``gradio.component_meta`` once, and wraps its loader to disable the stub writer."""

    def find_spec(self, name: str, path: Any, target: Any = None) -> Any:
        if name != "gradio.component_meta":
            return None
        sys.meta_path.remove(self)
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None and spec.loader is not None and hasattr(spec.loader, "exec_module"):
            run = spec.loader.exec_module

            def exec_module(module: Any) -> None:
                run(module)
                if callable(getattr(module, "create_or_modify_pyi", None)):
                    module.create_or_modify_pyi = lambda *args, **kwargs: None

            spec.loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def install(keep_stubs: bool) -> None:
    """Install the hook unless ``keep_stubs`` (the ``gradio_stubs`` setting); call before the first
    ``import gradio`` (later, it would be too late)."""
    if "gradio" not in sys.modules and not keep_stubs:
        sys.meta_path.insert(0, _SkipGradioStubs())
