"""Serving speed of every emulator: records per second to a plain HTTP client.

Starts `msp sim serve` in its own process on a large world (so server and client do not share
a GIL), warms each resource once (the first read renders the world at its clock), then times a
full read of the largest resource of each vendor with that vendor's paging. Target: at least
50,000 records/s per vendor, so the emulators are never the bottleneck of an ingestion benchmark.

    .venv/bin/python bench/bench_serve.py [--tenants 200 --devices-per-tenant 100]
"""

from __future__ import annotations

import argparse
import gc
import os
import signal
import subprocess
import sys
import time

import httpx

from simulator.readers import LARGEST, Http, count_all
from simulator.server import free_port

TARGET = 50_000


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tenants", type=int, default=200)
    parser.add_argument("--devices-per-tenant", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    command = [
        sys.executable,
        "-m",
        "simulator.cli",
        "sim",
        "serve",
        "--port",
        str(port),
        "--tenants",
        str(args.tenants),
        "--devices-per-tenant",
        str(args.devices_per_tenant),
    ]
    started = time.perf_counter()
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    failed = False
    try:
        wait_ready(base, server)
        print(
            f"world of {args.tenants} tenants x {args.devices_per_tenant} devices served after "
            f"{time.perf_counter() - started:.1f} s"
        )
        print(f"{'vendor':12} {'resource':42} {'records':>8} {'best s':>7} {'records/s':>10}")
        client = Http(base)
        for vendor, path in LARGEST.items():
            count_all(base, vendor, path, client)  # warm: render once
            best = float("inf")
            for _ in range(args.rounds):
                gc.collect()
                gc.disable()  # the client's collector passes over parsed pages are not the server
                t0 = time.perf_counter()
                records = count_all(base, vendor, path, client)
                best = min(best, time.perf_counter() - t0)
                gc.enable()
            rate = records / best
            failed |= rate < TARGET
            print(
                f"{vendor:12} {path:42} {records:>8} {best:>7.3f} {rate:>10,.0f}"
                + ("" if rate >= TARGET else "  BELOW TARGET")
            )
    finally:
        os.kill(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
