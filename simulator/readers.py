"""Plain HTTP readers that page through every record of an emulated resource the way each
vendor's API asks to be paged. The tour and the serving benchmark use them; the dlt sources
in dlt_sources/ are the product's real readers.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterator

import httpx
import orjson

from simulator.vendors import connectwise as cw

Reader = Callable[[httpx.Client, str, str], Iterator[int]]


def connectwise_pages(client: httpx.Client, base: str, path: str) -> Iterator[int]:
    token = base64.b64encode(f"{cw.COMPANY_ID}+{cw.PUBLIC_KEY}:{cw.PRIVATE_KEY}".encode())
    headers = {"Authorization": f"Basic {token.decode()}", "clientId": cw.CLIENT_ID,
               "pagination-type": "forward-only"}
    url: str | None = f"{base}{cw.PREFIX}{path}?pageSize=1000"
    while url:
        response = client.get(url, headers=headers)
        response.raise_for_status()
        yield len(orjson.loads(response.content))
        found = re.search(r'<([^>]+)>; rel="next"', response.headers.get("link", ""))
        url = found.group(1) if found else None


READERS: dict[str, tuple[Reader, list[str]]] = {
    "connectwise": (connectwise_pages, ["/service/tickets", "/company/configurations",
                                        "/company/contacts", "/company/companies",
                                        "/finance/agreements"]),
}


def count_all(base: str, vendor: str, path: str, client: httpx.Client | None = None) -> int:
    reader, _ = READERS[vendor]
    own = client is None
    client = client or httpx.Client(timeout=60)
    try:
        return sum(reader(client, base, path))
    finally:
        if own:
            client.close()
