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
import sys
import time

from simulator.readers import LARGEST, Http, count_all
from simulator.server import serving_process
from simulator.world import WorldSpec

TARGET = 50_000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tenants", type=int, default=200)
    parser.add_argument("--devices-per-tenant", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    started = time.perf_counter()
    spec = WorldSpec(tenants=args.tenants, devices_per_tenant=args.devices_per_tenant)
    failed = False
    with serving_process(spec) as base:
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
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
