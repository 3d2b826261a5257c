"""The local model's state on the page: starting, ready, or failed (answers are then extractive).

The model server starts in the background (:mod:`assistant.localmodel.server`), so the page
paints at once and shows this line instead of waiting; a timer on the page refreshes it, which
also shows a restart after a crash.
"""

from __future__ import annotations

from assistant.serve.render import escape
from assistant.settings import Settings

REFRESH_S = 2.0


def model_state_html(settings: Settings) -> str:
    """One status line for the local model, or nothing when no local model was asked for."""
    from assistant.localmodel.server import existing_server, status_text

    server = existing_server(settings)
    if server is None:
        return ""
    status = server.status
    return f'<div class="model-state {status.state}" role="status">{escape(status_text(status))}</div>'
