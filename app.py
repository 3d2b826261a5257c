"""The Gradio page: chat with cited, verified figures · drafting · knowledge base · evaluation.

    python app.py        # http://127.0.0.1:7860 (GRADIO_SERVER_NAME / GRADIO_SERVER_PORT override)

The answer backend comes from settings (ASSISTANT_ANSWER__BACKEND, or the alias ASSISTANT_BACKEND);
when it cannot be built the page answers extractively and says so in a banner. ASSISTANT_AUTH=
"user:password" turns on basic auth. ``/ask`` is the API: ``Client(url).predict(q, api_name="/ask")``
returns exactly what ``python -m assistant ask --json`` prints.

This module only builds and launches the page: its components are laid out in
:mod:`assistant.serve.layout`, its events wired in :mod:`assistant.serve.events`, the handlers are
:class:`assistant.serve.handlers.Handlers` (testable without a browser) and everything else
(services, streaming, escaping, exports, uploads) lives in :mod:`assistant.serve`. The page is
served first and the index opened right after, so it paints while the Answerer is built;
handlers wait for it.
"""

from __future__ import annotations

import os

from assistant.serve import gradio_stubs
from assistant.settings import get_settings


def _before_gradio() -> None:
    """What must be set before Gradio is first imported: its stub regeneration skipped, and the
    page's own file cache (Gradio reads GRADIO_TEMP_DIR then), so files another Gradio app cached
    under the shared /tmp/gradio are never served here."""
    try:
        settings = get_settings()
    except ValueError:
        gradio_stubs.install(keep_stubs=False)
        return  # a bad setting: main() says which
    gradio_stubs.install(keep_stubs=settings.gradio_stubs)
    folder = settings.page_temp_dir
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["GRADIO_TEMP_DIR"] = str(folder)


_before_gradio()

import gradio as gr  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402

from assistant import serve  # noqa: E402
from assistant.errors import AssistantError  # noqa: E402
from assistant.serve.events import wire  # noqa: E402
from assistant.serve.handlers import Handlers  # noqa: E402
from assistant.serve.layout import CSS, TITLE, Components, layout  # noqa: E402
from assistant.serve.private_events import PrivateEvents, PublicEvents  # noqa: E402
from assistant.serve.throttle import LoginThrottle  # noqa: E402


def build_app(services: serve.Services) -> gr.Blocks:
    """The page: its layout, and each event wired to a handler of :class:`Handlers`."""
    components: Components = {}
    with gr.Blocks(title=TITLE, analytics_enabled=False) as page:
        components["page"] = page
        layout(components)
        wire(components, Handlers(services), services.settings.concurrent_answers)
    return page


def main() -> None:
    try:
        settings = get_settings()
        auth = serve.basic_auth(settings.auth)
    except (AssistantError, ValueError) as exc:  # a bad setting: say which, without a traceback
        raise SystemExit(f"error: {exc}") from exc
    services = serve.Services(settings, backend=None)  # backends.resolve(settings): ASSISTANT_BACKEND wins
    page = build_app(services)
    page.launch(  # Gradio queues every event by default; the limits are set per event in build_app
        server_name=settings.server_name,
        server_port=settings.server_port,
        auth=auth,
        show_error=True,
        css=CSS,
        allowed_paths=[str(serve.exports_dir(settings))],
        max_file_size=settings.max_upload_bytes,  # refused while streaming, before the body is stored
        app_kwargs={
            "middleware": [
                Middleware(LoginThrottle, free=settings.login_free_attempts, delay_s=settings.login_delay_s),
                Middleware(PrivateEvents, public=PublicEvents.of(page.fns.values())),  # api_name=False: no API
            ]
        },
        footer_links=["api"],
        prevent_thread_lock=True,
    )
    services.start(delay_s=10.0)  # opened on first use (the page's load event) or in 10 s; handlers wait
    page.block_thread()


if __name__ == "__main__":
    main()
