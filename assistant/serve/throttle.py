"""A delay after repeated failed logins: Gradio's ``/login`` checks a password as fast as it is
asked (30 wrong passwords in 0.1 s met no delay), which makes guessing cheap.

After ``free`` failed attempts from one address, the next attempt is refused with 429 and a
``Retry-After`` until a delay has passed since the last failure; the delay doubles with each
further failure up to ``cap_s``. A successful login clears the address's count. Refusing (rather
than sleeping) keeps no connection open per attempt, so the throttle cannot itself be flooded.
"""

from __future__ import annotations

import math
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]], Awaitable[None]]


class LoginThrottle:
    """ASGI middleware around the page's app (``launch(app_kwargs={"middleware": [...]})``)."""

    def __init__(self, app: ASGIApp, free: int = 5, delay_s: float = 1.0, cap_s: float = 60.0) -> None:
        self.app, self.free, self.delay_s, self.cap_s = app, free, delay_s, cap_s
        self.failures: dict[str, tuple[int, float]] = {}  # address → (failed attempts, time of the last)

    def wait_s(self, address: str, now: float) -> float:
        """Seconds before ``address`` may try again (0: now)."""
        count, last = self.failures.get(address, (0, 0.0))
        if count < self.free:
            return 0.0
        return max(0.0, min(self.delay_s * 2 ** (count - self.free), self.cap_s) - (now - last))

    async def __call__(
        self, scope: Scope, receive: Callable[[], Awaitable[Message]], send: Callable[[Message], Awaitable[None]]
    ) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or not scope["path"].rstrip("/").endswith("/login"):
            await self.app(scope, receive, send)
            return
        address = (scope.get("client") or ("unknown",))[0]
        if wait := self.wait_s(address, time.monotonic()):
            await _refuse(send, wait)
            return
        status: list[int] = []

        async def watch(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(int(message["status"]))
            await send(message)

        await self.app(scope, receive, watch)
        if status and status[0] < 400:
            self.failures.pop(address, None)
        else:
            self.failures[address] = (self.failures.get(address, (0, 0.0))[0] + 1, time.monotonic())


async def _refuse(send: Callable[[Message], Awaitable[None]], wait_s: float) -> None:
    body = f"too many failed logins; try again in {math.ceil(wait_s)} s".encode()
    await send(
        {
            "type": "http.response.start",
            "status": 429,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"retry-after", str(math.ceil(wait_s)).encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
