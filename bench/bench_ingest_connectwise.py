"""Ingestion speed of the ConnectWise tickets resource against a hand-written floor.

Serves a world in its own process (so client and server do not share a GIL), warms the
tickets listing once, then times full reads of every live ticket, best of `--rounds`:

- floor: a keep-alive requests session following the forward-only Link pages, orjson,
  `pyarrow.Table.from_pylist` and one Parquet file per page. It is given the tickets schema
  (inference cannot write the API's empty `_info: {}` structs to Parquet) with custom fields as
  a plain list, which holds here only because the emulator sends them empty;
- source: `connectwise_source().with_resources("tickets")` through a real dlt pipeline into a
  fresh local lake (extract, normalize and load all counted).

Target: the source reaches at least 0.8x the floor's records/s.

    .venv/bin/python bench/bench_ingest_connectwise.py [--tenants 80 --devices-per-tenant 100]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import requests

os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")

from dlt_sources.connectwise import connectwise_source, schemas  # noqa: E402
from dlt_sources.lib import lake_pipeline, run_to_lake  # noqa: E402
from simulator.server import free_port  # noqa: E402
from simulator.vendors import connectwise as cw  # noqa: E402

TARGET = 0.8
FLOOR_SCHEMA = schemas.TICKETS.set(schemas.TICKETS.get_field_index("customFields"),
                                   pa.field("customFields", pa.list_(pa.string())))


def wait_ready(base: str, process: subprocess.Popen, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the emulator exited before it answered")
        try:
            if httpx.get(base + "/_sim/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.5)
    raise RuntimeError(f"the emulator did not answer on {base} within {seconds} s")


def floor_read(api: str, out: Path) -> int:
    """The least a loader must do: fetch, parse, make Arrow, write Parquet."""
    session = requests.Session()
    session.auth = (f"{cw.COMPANY_ID}+{cw.PUBLIC_KEY}", cw.PRIVATE_KEY)
    session.headers.update({"clientId": cw.CLIENT_ID, "pagination-type": "forward-only"})
    url: str | None = api + "/service/tickets?pageSize=1000&orderBy=id+asc"
    rows = page = 0
    while url:
        response = session.get(url, timeout=120)
        response.raise_for_status()
        table = pa.Table.from_pylist(orjson.loads(response.content), schema=FLOOR_SCHEMA)
        pq.write_table(table, out / f"tickets-{page}.parquet")
        rows += table.num_rows
        page += 1
        url = response.links.get("next", {}).get("url")
    return rows


def source_read(api: str, out: Path) -> int:
    os.environ.update({
        "SOURCES__CONNECTWISE__BASE_URL": api, "SOURCES__CONNECTWISE__COMPANY_ID": cw.COMPANY_ID,
        "SOURCES__CONNECTWISE__PUBLIC_KEY": cw.PUBLIC_KEY,
        "SOURCES__CONNECTWISE__PRIVATE_KEY": cw.PRIVATE_KEY,
        "SOURCES__CONNECTWISE__CLIENT_ID": cw.CLIENT_ID,
    })
    pipeline = lake_pipeline("connectwise", bucket_url=(out / "lake").as_uri(),
                             pipelines_dir=str(out / "dlt"))
    return run_to_lake(pipeline, connectwise_source().with_resources("tickets"))["tickets"]


def best_of(rounds: int, read, api: str) -> tuple[int, float]:
    timings, rows = [], 0
    for _ in range(rounds):
        with tempfile.TemporaryDirectory(prefix="bench-cw-") as tmp:
            started = time.perf_counter()
            rows = read(api, Path(tmp))
            timings.append(time.perf_counter() - started)
    return rows, min(timings)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tenants", type=int, default=80)
    parser.add_argument("--devices-per-tenant", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "simulator.cli", "sim", "serve", "--port", str(port),
               "--tenants", str(args.tenants), "--devices-per-tenant",
               str(args.devices_per_tenant)]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    try:
        wait_ready(base, server)
        api = base + cw.PREFIX
        with tempfile.TemporaryDirectory(prefix="bench-cw-warm-") as tmp:
            floor_read(api, Path(tmp))  # renders the world once on the server

        floor_rows, floor_s = best_of(args.rounds, floor_read, api)
        source_rows, source_s = best_of(args.rounds, source_read, api)
    finally:
        server.terminate()
        server.wait(timeout=30)

    floor_rate, source_rate = floor_rows / floor_s, source_rows / source_s
    print(f"world: {args.tenants} tenants x {args.devices_per_tenant} devices, "
          f"best of {args.rounds}")
    print(f"{'loader':8} {'records':>8} {'seconds':>8} {'records/s':>10}")
    print(f"{'floor':8} {floor_rows:8d} {floor_s:8.2f} {floor_rate:10.0f}")
    print(f"{'source':8} {source_rows:8d} {source_s:8.2f} {source_rate:10.0f}")
    ratio = source_rate / floor_rate
    print(f"source / floor = {ratio:.2f} (target {TARGET})")
    if source_rows != floor_rows:
        print(f"row counts differ: floor {floor_rows}, source {source_rows}")
        return 1
    return 0 if ratio >= TARGET else 1


if __name__ == "__main__":
    raise SystemExit(main())
