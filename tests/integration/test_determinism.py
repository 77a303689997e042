"""Same seed and size give byte-identical API answers and ground truth."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import httpx

from simulator import truth
from simulator.server import running
from simulator.vendors import connectwise as cw
from simulator.world import World, WorldSpec

SPEC = WorldSpec(seed=5, tenants=3, days=15, devices_per_tenant=25)
CW_HEADERS = {
    "Authorization": "Basic "
    + base64.b64encode(f"{cw.COMPANY_ID}+{cw.PUBLIC_KEY}:{cw.PRIVATE_KEY}".encode()).decode(),
    "clientId": cw.CLIENT_ID,
}


def fingerprint_session(spec: WorldSpec) -> list[str]:
    """Digest of every answer of a fixed script of reads, writes and clock moves."""
    digests = []
    with running(spec) as (base, _):
        client = httpx.Client(base_url=base, headers=CW_HEADERS, timeout=30)
        for path in ("/company/companies", "/company/configurations", "/service/tickets",
                     "/company/contacts", "/finance/agreements"):
            digests.append(digest(client.get(cw.PREFIX + path, params={"pageSize": 1000})))
        digests.append(digest(client.get("/_sim/truth/kpi_daily")))
        client.post("/_sim/advance", params={"hours": 30})
        digests.append(digest(client.get(cw.PREFIX + "/service/tickets",
                                         params={"pageSize": 1000, "page": 1})))
        digests.append(digest(client.get("/_sim/truth/device_identities")))
    return digests


def digest(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    return hashlib.sha256(response.content).hexdigest()


def test_same_seed_gives_identical_answers():
    first, second = fingerprint_session(SPEC), fingerprint_session(SPEC)
    assert first == second


def test_another_seed_gives_another_world():
    other = WorldSpec(seed=6, tenants=3, days=15, devices_per_tenant=25)
    assert fingerprint_session(SPEC)[:3] != fingerprint_session(other)[:3]


def test_truth_files_are_byte_identical(tmp_path: Path):
    truth.write_all(World(SPEC), tmp_path / "a")
    truth.write_all(World(SPEC), tmp_path / "b")
    for name in truth.TABLES:
        a = (tmp_path / "a" / f"{name}.parquet").read_bytes()
        b = (tmp_path / "b" / f"{name}.parquet").read_bytes()
        assert a == b, name
