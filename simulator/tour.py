"""`make run` for now: build the default world, serve it on 127.0.0.1, read every emulated
resource in full through its vendor's paging, write the ground truth, and print what it saw."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from simulator import truth
from simulator.readers import READERS, Http, count_all
from simulator.server import running
from simulator.world import World, WorldSpec


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--seed", type=int, default=7)
    args.add_argument("--out", type=Path, default=Path("data/truth"))
    opts = args.parse_args()
    spec = WorldSpec(seed=opts.seed)

    started = time.perf_counter()
    world = World(spec)
    print(
        f"World built in {time.perf_counter() - started:.1f} s: {len(world.tenants)} companies, "
        f"{len(world.devices)} devices, {spec.days} days of history"
    )

    with running(spec) as (base, _):
        client = Http(base)
        print(f"Emulators on {base}\n\n{'vendor':12} {'resource':34} {'records':>8} {'seconds':>8}")
        total_records, total_seconds = 0, 0.0
        for vendor, (_, paths) in READERS.items():
            for path in paths:
                t0 = time.perf_counter()
                records = count_all(base, vendor, path, client)
                seconds = time.perf_counter() - t0
                total_records, total_seconds = total_records + records, total_seconds + seconds
                print(f"{vendor:12} {path:34} {records:>8} {seconds:>8.2f}")
        print(f"{'all':12} {'':34} {total_records:>8} {total_seconds:>8.2f}")

    counts = truth.write_all(world, opts.out)
    print(f"\nGround truth in {opts.out}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
