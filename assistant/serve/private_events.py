"""No API for events that have none: Gradio hides an event registered with ``api_name=False`` from
its API page and its client libraries (``api_visibility="private"``), but its routes still run it
for anyone who names it — ``/gradio_api/call/false_3``, ``/gradio_api/run/predict`` or
``/gradio_api/queue/join`` with its ``fn_index`` — so chat, upload, remove, reindex and the
evaluation were an undocumented API.

This middleware refuses such a call with 403 unless it comes from the page's own frontend, which
marks every event it sends with ``x-gradio-user: app`` (Gradio's JS client sends ``api`` when used
as a library, and ``gradio_client`` sends ``api``). ``/call/…`` is the API only: the page never
uses it, so a private event is refused there whatever the header says. The header is a marker,
not a secret: a logged-in user who imitates the page can still do what the page lets them do; what
is gone is an API for it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from assistant.serve.throttle import ASGIApp, Message, Scope

# the routes that start an event: /run/<name>, /api/<name>, /call/<name>, /call/v2/<name>, /queue/join
_EVENT_ROUTE = re.compile(r"/gradio_api/(?:(run|api|call(?:/v2)?)/([^/]+)|queue/join)/?$")
PAGE_MARK = (b"x-gradio-user", b"app")


@dataclass(frozen=True)
class PublicEvents:
    """The events that are an API: their ``fn_index`` values and their API names."""

    ids: frozenset[int]
    names: frozenset[str]

    @classmethod
    def of(cls, functions: Iterable[object]) -> PublicEvents:
        """From Gradio's ``Blocks.fns.values()``: an event is public when Gradio would list it."""
        public = [fn for fn in functions if getattr(fn, "api_visibility", "public") == "public"]
        return cls(frozenset(fn._id for fn in public), frozenset(str(fn.api_name) for fn in public))  # type: ignore[attr-defined]


class PrivateEvents:
    """ASGI middleware around the page's app (``launch(app_kwargs={"middleware": [...]})``)."""

    def __init__(self, app: ASGIApp, public: PublicEvents) -> None:
        self.app, self.public = app, public

    async def __call__(
        self, scope: Scope, receive: Callable[[], Awaitable[Message]], send: Callable[[Message], Awaitable[None]]
    ) -> None:
        route = _EVENT_ROUTE.search(scope["path"]) if scope["type"] == "http" and scope["method"] == "POST" else None
        if route is None:
            await self.app(scope, receive, send)
            return
        body, replay = await _buffer(receive)
        kind, name = route.group(1), route.group(2)
        from_page = PAGE_MARK in scope.get("headers", ()) and kind != "call" and kind != "call/v2"
        if from_page or self.allows(name, _fn_index(body)):
            await self.app(scope, replay, send)
        else:
            await _refuse(send)

    def allows(self, name: str | None, fn_index: int | None) -> bool:
        """An API call names a public event by its route and by its ``fn_index``, whichever it gives
        (Gradio runs the ``fn_index`` when both are given)."""
        if name is not None and name not in self.public.names:
            return False
        return fn_index is None or fn_index in self.public.ids


def _fn_index(body: bytes) -> int | None:
    try:
        value = json.loads(body).get("fn_index")
    except (ValueError, AttributeError):
        return None  # not a JSON object: Gradio refuses the request itself
    return value if isinstance(value, int) else None


async def _buffer(
    receive: Callable[[], Awaitable[Message]],
) -> tuple[bytes, Callable[[], Awaitable[Message]]]:
    """The whole request body (an event's is small JSON: files go to /upload), and a ``receive``
    that hands it on to the app once and then waits on the client as before."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    body, sent = b"".join(chunks), False

    async def replay() -> Message:
        nonlocal sent
        if sent:
            return await receive()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return body, replay


async def _refuse(send: Callable[[Message], Awaitable[None]]) -> None:
    body = json.dumps({"detail": "this event has no API; the page's API is /ask"}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 403,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
