"""Plain HTTP readers that page through every record of an emulated resource the way each
vendor's API asks to be paged. The tour behind `make run` and the serving benchmark use them;
the dlt sources in dlt_sources/ are the product's real readers.

A reader is a generator of page sizes over one keep-alive `http.client` connection: the
plainest client there is, so that what is measured is the server.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import re
from collections.abc import Callable, Iterator
from urllib.parse import urlencode, urlsplit

import orjson

from simulator.vendors import auvik, connectwise, cove, sentinelone, veeam


class Http:
    """One keep-alive connection to the emulator; answers are (status, headers, body)."""

    def __init__(self, base: str):
        parts = urlsplit(base)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
        self.digest = hashlib.sha256()  # of every body read, for the determinism test

    def call(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> tuple[int, http.client.HTTPMessage, bytes]:
        self.conn.request(method, path, body=body, headers=headers or {})
        response = self.conn.getresponse()
        data = response.read()
        self.digest.update(data)
        if response.status >= 400:
            raise RuntimeError(f"{method} {path} answered {response.status}: {data[:200]!r}")
        return response.status, response.headers, data

    def close(self) -> None:
        self.conn.close()


Reader = Callable[[Http, str], Iterator[int]]


def connectwise_pages(http_: Http, path: str) -> Iterator[int]:
    token = base64.b64encode(
        f"{connectwise.COMPANY_ID}+{connectwise.PUBLIC_KEY}:{connectwise.PRIVATE_KEY}".encode()
    )
    headers = {
        "Authorization": f"Basic {token.decode()}",
        "clientId": connectwise.CLIENT_ID,
        "pagination-type": "forward-only",
    }
    url: str | None = f"{connectwise.PREFIX}{path}?pageSize=1000"
    while url:
        _, answer_headers, body = http_.call("GET", url, headers=headers)
        yield len(orjson.loads(body))
        found = re.search(r'<([^>]+)>; rel="next"', answer_headers.get("link", ""))
        url = urlsplit(found.group(1))._replace(scheme="", netloc="").geturl() if found else None


def sentinelone_pages(http_: Http, path: str) -> Iterator[int]:
    headers = {"Authorization": f"ApiToken {sentinelone.API_TOKEN}"}
    cursor = None
    while True:
        query = {"limit": 1000, **({"cursor": cursor} if cursor else {})}
        _, _, body = http_.call(
            "GET", f"{sentinelone.PREFIX}{path}?{urlencode(query)}", headers=headers
        )
        answer = orjson.loads(body)
        data = answer["data"]
        yield len(data["sites"]) if isinstance(data, dict) else len(data)
        cursor = answer["pagination"]["nextCursor"]
        if not cursor:
            return


def veeam_pages(http_: Http, path: str) -> Iterator[int]:
    form = urlencode(
        {"grant_type": "password", "username": veeam.USERNAME, "password": veeam.PASSWORD}
    ).encode()
    _, _, body = http_.call(
        "POST", f"{veeam.PREFIX}/token", form, {"Content-Type": "application/x-www-form-urlencoded"}
    )
    headers = {
        "Authorization": f"Bearer {orjson.loads(body)['access_token']}",
        "X-Client-Version": "3.6",
    }
    offset = 0
    while True:
        _, _, body = http_.call(
            "GET", f"{veeam.PREFIX}{path}?limit=500&offset={offset}", headers=headers
        )
        answer = orjson.loads(body)
        yield len(answer["data"])
        offset += len(answer["data"])
        if not answer["data"] or offset >= answer["meta"]["pagingInfo"]["total"]:
            return


COVE_COLUMNS = [
    "I1",
    "I18",
    "I8",
    "I16",
    "I32",
    "I78",
    "I14",
    "D09F00",
    "D09F15",
    "D09F09",
    "D09F06",
    "D09F08",
]


def cove_pages(http_: Http, method: str) -> Iterator[int]:
    def rpc(name: str, params: dict, visa: str | None) -> dict:
        message = {"jsonrpc": "2.0", "id": "1", "method": name, "params": params}
        if visa:
            message["visa"] = visa
        _, _, body = http_.call(
            "POST",
            f"{cove.PREFIX}/jsonapi",
            orjson.dumps(message),
            {"Content-Type": "application/json"},
        )
        answer = orjson.loads(body)
        if "error" in answer:
            raise RuntimeError(f"cove {name}: {answer['error']}")
        return answer

    login = rpc(
        "Login",
        {"partner": cove.PARTNER, "username": cove.USERNAME, "password": cove.PASSWORD},
        None,
    )
    visa, partner_id = login["visa"], login["result"]["result"]["PartnerId"]
    if method == "EnumeratePartners":
        answer = rpc(method, {"parentPartnerId": partner_id, "fetchRecursively": True}, visa)
        yield len(answer["result"]["result"])
        return
    start = 0
    while True:
        answer = rpc(
            method,
            {
                "query": {
                    "PartnerId": partner_id,
                    "StartRecordNumber": start,
                    "RecordsCount": 1000,
                    "Columns": COVE_COLUMNS,
                }
            },
            visa,
        )
        visa, rows = answer["visa"], answer["result"]["result"]
        yield len(rows)
        start += len(rows)
        if len(rows) < 1000:
            return


def auvik_pages(http_: Http, path: str) -> Iterator[int]:
    token = base64.b64encode(f"{auvik.USERNAME}:{auvik.API_KEY}".encode()).decode()
    headers = {"Authorization": f"Basic {token}"}
    url: str | None = f"{auvik.PREFIX}{path}?page%5Bfirst%5D=1000"
    while url:
        _, _, body = http_.call("GET", url, headers=headers)
        answer = orjson.loads(body)
        yield len(answer["data"])
        following = answer.get("links", {}).get("next")
        url = urlsplit(following)._replace(scheme="", netloc="").geturl() if following else None


READERS: dict[str, tuple[Reader, list[str]]] = {
    "connectwise": (
        connectwise_pages,
        [
            "/service/tickets",
            "/company/configurations",
            "/company/contacts",
            "/company/companies",
            "/finance/agreements",
        ],
    ),
    "sentinelone": (
        sentinelone_pages,
        ["/agents", "/threats", "/activities", "/accounts", "/sites"],
    ),
    "veeam": (
        veeam_pages,
        [
            "/infrastructure/backupServers/jobs",
            "/protectedWorkloads/virtualMachines",
            "/organizations/companies",
            "/infrastructure/backupServers",
            "/alarms/active",
        ],
    ),
    "cove": (cove_pages, ["EnumerateAccountStatistics", "EnumeratePartners"]),
    "auvik": (
        auvik_pages,
        ["/alert/history/info", "/inventory/device/info", "/inventory/interface/info"],
    ),
}

LARGEST: dict[str, str] = {vendor: paths[0] for vendor, (_, paths) in READERS.items()}
LARGEST["veeam"] = "/protectedWorkloads/virtualMachines"


def count_all(base: str, vendor: str, path: str, http_: Http | None = None) -> int:
    """Read every record of one resource; returns how many there were."""
    reader, _ = READERS[vendor]
    own = http_ is None
    http_ = http_ or Http(base)
    try:
        return sum(reader(http_, path))
    finally:
        if own:
            http_.close()
