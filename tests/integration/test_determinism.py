"""Same seed and size give byte-identical API answers and ground truth."""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx

from simulator import truth
from simulator.readers import READERS, Http, count_all
from simulator.server import free_port, running
from simulator.world import World, WorldSpec

SPEC = WorldSpec(seed=5, tenants=3, days=15, devices_per_tenant=25)
PORT = free_port()  # one port for every session: absolute paging links name the host


def fingerprint_session(spec: WorldSpec) -> dict[str, str]:
    """Digests of every answer of a fixed script: read all, move the clock, read all again."""
    digests = {}
    with running(spec, port=PORT) as (base, _):
        for rounds in ("before", "after"):
            for vendor, (_, paths) in READERS.items():
                reader = Http(base)
                for path in paths:
                    count_all(base, vendor, path, reader)
                digests[f"{vendor} {rounds}"] = reader.digest.hexdigest()
                reader.close()
            for table in ("kpi_daily", "device_identities", "backup_runs"):
                body = httpx.get(f"{base}/_sim/truth/{table}").content
                digests[f"truth {table} {rounds}"] = hashlib.sha256(body).hexdigest()
            httpx.post(f"{base}/_sim/advance", params={"hours": 30})
    return digests


def test_same_seed_gives_identical_answers():
    first, second = fingerprint_session(SPEC), fingerprint_session(SPEC)
    assert len(first) == 2 * (len(READERS) + 3)
    assert first == second
    assert first["connectwise before"] != first["connectwise after"]


def test_another_seed_gives_another_world():
    other = WorldSpec(seed=6, tenants=3, days=15, devices_per_tenant=25)
    first, second = fingerprint_session(SPEC), fingerprint_session(other)
    assert all(first[key] != second[key] for key in first)


def test_truth_files_are_byte_identical(tmp_path: Path):
    truth.write_all(World(SPEC), tmp_path / "a")
    truth.write_all(World(SPEC), tmp_path / "b")
    for name in truth.TABLES:
        a = (tmp_path / "a" / f"{name}.parquet").read_bytes()
        b = (tmp_path / "b" / f"{name}.parquet").read_bytes()
        assert a == b, name
