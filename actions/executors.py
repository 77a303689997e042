"""Typed vendor calls for the playbooks: ConnectWise tickets and notes, SentinelOne isolation.

Base URLs and credentials come from the same `SOURCES__<VENDOR>__*` configuration the dlt
sources read (environment, `.dlt/config.toml` or `.dlt/secrets.toml`), so pointing the playbooks
at real vendors is configuration only. A `Call` holds what is sent (method, path under the
vendor's base URL, body) and never a credential, which is why it can be printed and logged.

Writes are sent once: a write that fails is recorded as failed and retried by the next run,
which first looks the result up at the vendor when the write may have landed (see runner.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import dlt
import requests
from requests.auth import HTTPBasicAuth

log = logging.getLogger(__name__)

EXCERPT_CHARS = 500
DISCONNECT_PATH = "/agents/actions/disconnect"
NOTE_FLAGS = {
    "internal": "internalAnalysisFlag",
    "resolution": "resolutionFlag",
    "detail": "detailDescriptionFlag",
}


@dataclass(frozen=True)
class Call:
    vendor: str
    method: str
    path: str
    body: Any = None

    def describe(self) -> str:
        return f"{self.vendor}: {self.method} {self.path}"


@dataclass(frozen=True)
class Answer:
    status: int | None  # None: no answer at all (connection refused, timeout)
    body: Any
    excerpt: str

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def may_have_landed(self) -> bool:
        """A write with no answer, or a server error, may still have been applied."""
        return self.status is None or self.status >= 500


class RefusedCall(ValueError):
    """A call the playbooks must never send, refused before it leaves the process."""


def create_ticket(
    company_id: int, board_id: int, priority_id: int, summary: str, description: str
) -> Call:
    if not summary or len(summary) > 100:
        raise RefusedCall(f"ticket summary must be 1 to 100 characters, got {len(summary)}")
    return Call(
        "connectwise",
        "POST",
        "/service/tickets",
        {
            "summary": summary,
            "company": {"id": company_id},
            "board": {"id": board_id},
            "priority": {"id": priority_id},
            "initialDescription": description,
        },
    )


def add_note(ticket_id: int, text: str, kind: str = "internal") -> Call:
    return Call(
        "connectwise",
        "POST",
        f"/service/tickets/{ticket_id}/notes",
        {"text": text, NOTE_FLAGS[kind]: True},
    )


def set_status(ticket_id: int, status_name: str) -> Call:
    return Call(
        "connectwise",
        "PATCH",
        f"/service/tickets/{ticket_id}",
        [{"op": "replace", "path": "status", "value": {"name": status_name}}],
    )


def disconnect_agent(agent_id: str) -> Call:
    """Isolate one agent. SentinelOne applies an action to everything its filter matches, so an
    empty filter would isolate every endpoint of the account: refused here and in `send`."""
    if not isinstance(agent_id, str) or not agent_id.strip():
        raise RefusedCall(f"disconnect needs one SentinelOne agent id, got {agent_id!r}")
    return Call("sentinelone", "POST", DISCONNECT_PATH, {"filter": {"ids": [agent_id]}})


def check_not_broad(call: Call) -> None:
    if call.vendor == "sentinelone" and call.path.startswith("/agents/actions/"):
        ids = ((call.body or {}).get("filter") or {}).get("ids")
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) and i for i in ids):
            raise RefusedCall(
                f"{call.describe()} without a non-empty list of agent ids would "
                "act on every agent; refused"
            )


class VendorClient:
    """One vendor's base URL and auth, read from `SOURCES__<VENDOR>__*`."""

    def __init__(
        self, vendor: str, base_url: str, session: requests.Session, timeout: float = 30.0
    ):
        self.vendor = vendor
        self.base_url = base_url.rstrip("/")
        self.session = session
        self.timeout = timeout

    @classmethod
    def from_config(cls, vendor: str) -> VendorClient:
        session = requests.Session()
        session.headers["Accept"] = "application/json"
        base_url = dlt.config[f"sources.{vendor}.base_url"]
        if vendor == "connectwise":
            session.auth = HTTPBasicAuth(
                f"{dlt.secrets['sources.connectwise.company_id']}+"
                f"{dlt.secrets['sources.connectwise.public_key']}",
                dlt.secrets["sources.connectwise.private_key"],
            )
            session.headers["clientId"] = dlt.secrets["sources.connectwise.client_id"]
        elif vendor == "sentinelone":
            session.headers["Authorization"] = (
                f"ApiToken {dlt.secrets['sources.sentinelone.api_token']}"
            )
        else:
            raise ValueError(f"no playbook acts through {vendor!r}")
        if not base_url:
            raise ValueError(f"SOURCES__{vendor.upper()}__BASE_URL is not set")
        return cls(vendor, base_url, session)

    def send(self, call: Call) -> Answer:
        """Send one write (or read) once and report the answer; never raises on HTTP errors."""
        if call.vendor != self.vendor:
            raise ValueError(f"{call.describe()} sent through the {self.vendor} client")
        check_not_broad(call)
        try:
            response = self.session.request(
                call.method, self.base_url + call.path, json=call.body, timeout=self.timeout
            )
        except requests.RequestException as exc:
            log.warning("%s: no answer (%s)", call.describe(), type(exc).__name__)
            return Answer(None, None, f"{type(exc).__name__}: {exc}"[:EXCERPT_CHARS])
        try:
            body = response.json()
        except ValueError:
            body = None
        log.info("%s: HTTP %s", call.describe(), response.status_code)
        return Answer(response.status_code, body, response.text[:EXCERPT_CHARS])

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """A read; raises on anything but success, since decisions must not rest on guesses."""
        response = self.session.get(self.base_url + path, params=params, timeout=self.timeout)
        if not response.ok:
            raise RuntimeError(
                f"{self.vendor}: GET {path} answered HTTP "
                f"{response.status_code}: {response.text[:200]}"
            )
        return response.json()


def quoted(text: str) -> str:
    """A string literal for ConnectWise `conditions`."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def board_id(client: VendorClient, name: str) -> int:
    found = client.get("/service/boards", {"conditions": f"name={quoted(name)}"})
    if not found:
        raise ValueError(
            f"ConnectWise has no service board named {name!r}; set "
            "connectwise.board in the playbook settings"
        )
    return int(found[0]["id"])


def find_open_ticket(client: VendorClient, company_id: int, summary: str) -> int | None:
    """An open ticket with this exact summary on this company, if one exists."""
    conditions = f"company/id={company_id} and summary={quoted(summary)} and closedFlag=false"
    found = client.get("/service/tickets", {"conditions": conditions, "orderBy": "id desc"})
    return int(found[0]["id"]) if found else None


def note_exists(client: VendorClient, ticket_id: int, text: str) -> bool:
    notes = client.get(f"/service/tickets/{ticket_id}/notes", {"pageSize": 1000})
    return any(note.get("text") == text for note in notes)
