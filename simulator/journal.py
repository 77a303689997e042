"""A journal of the writes an emulator accepted, so that a restarted emulator is the same
vendor: the world is rebuilt from its seed, then every journaled write and clock move is
replayed in order. Reads are not journaled (Cove's JSON-RPC reads and Veeam's token requests
are POSTs that change nothing worth keeping)."""

from __future__ import annotations

import base64
import logging
from pathlib import Path

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger(__name__)

WRITE_METHODS = {"POST", "PATCH", "PUT", "DELETE"}
NOT_WRITES = ("/cove/", "/veeam/api/v3/token", "/_sim/faults", "/_sim/requests", "/_sim/truth")
KEPT_HEADERS = {"authorization", "clientid", "content-type", "x-client-version"}


def is_write(scope: Scope) -> bool:
    return (
        scope["type"] == "http"
        and scope["method"] in WRITE_METHODS
        and not scope["path"].startswith(NOT_WRITES)
    )


class Journal:
    """ASGI middleware appending every accepted write to a JSON-lines file."""

    def __init__(self, app: ASGIApp, path: Path):
        self.app, self.path = app, path
        self.path.parent.mkdir(parents=True, exist_ok=True)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not is_write(scope):
            await self.app(scope, receive, send)
            return
        body = bytearray()

        async def recording_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                body.extend(message.get("body", b""))
            return message

        status = 0

        async def watching_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, recording_receive, watching_send)
        if status < 400:
            self.append(scope, bytes(body))

    def append(self, scope: Scope, body: bytes) -> None:
        headers = {
            k.decode(): v.decode()
            for k, v in scope["headers"]
            if k.decode().lower() in KEPT_HEADERS
        }
        entry = {
            "method": scope["method"],
            "path": scope["path"],
            "query": scope["query_string"].decode(),
            "headers": headers,
            "body": base64.b64encode(body).decode(),
        }
        with self.path.open("ab") as out:
            out.write(orjson.dumps(entry) + b"\n")


def replay(app: ASGIApp, path: Path) -> int:
    """Send every journaled write to the app again, in order; returns how many."""
    if not path.exists():
        return 0
    from starlette.testclient import TestClient

    count = 0
    with TestClient(app, base_url="http://127.0.0.1") as client:
        for line in path.read_bytes().splitlines():
            entry = orjson.loads(line)
            url = entry["path"] + (f"?{entry['query']}" if entry["query"] else "")
            answer = client.request(
                entry["method"],
                url,
                headers=entry["headers"],
                content=base64.b64decode(entry["body"]),
            )
            if answer.status_code >= 400:
                raise RuntimeError(
                    f"journal {path}: replaying {entry['method']} {url} was "
                    f"refused with {answer.status_code}: {answer.text[:200]}"
                )
            count += 1
    log.info("replayed %d journaled writes from %s", count, path)
    return count
