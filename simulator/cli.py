"""`msp` command line: build, serve and inspect the simulated MSP estate."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from actions import cli as actions_cli
from simulator.world import World, WorldSpec


def spec_from(args: argparse.Namespace) -> WorldSpec:
    return WorldSpec(
        seed=args.seed,
        tenants=args.tenants,
        days=args.days,
        devices_per_tenant=args.devices_per_tenant,
    )


def add_world_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    p.add_argument("--tenants", type=int, default=20, help="client companies (default 20)")
    p.add_argument("--days", type=int, default=90, help="days of history (default 90)")
    p.add_argument(
        "--devices-per-tenant",
        type=int,
        default=50,
        help="average devices per company (default 50)",
    )


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="msp", description="MSPAlwaysOn command line")
    groups = top.add_subparsers(dest="group", required=True)
    sim = groups.add_parser("sim", help="the simulated MSP estate and its vendor emulators")
    cmds = sim.add_subparsers(dest="command", required=True)
    serve = cmds.add_parser("serve", help="serve the vendor emulators on 127.0.0.1")
    add_world_flags(serve)
    serve.add_argument("--port", type=int, default=8900)
    serve.add_argument(
        "--journal",
        type=Path,
        default=None,
        help="keep accepted writes in this file and replay them on start, so a "
        "restarted emulator holds the tickets and actions it was given",
    )
    truth = cmds.add_parser("truth", help="write the ground truth as Parquet")
    add_world_flags(truth)
    truth.add_argument("--out", type=Path, required=True)
    truth.add_argument(
        "--advance-hours", type=float, default=0, help="move the clock forward before writing"
    )
    stats = cmds.add_parser("stats", help="print how many records the world holds")
    add_world_flags(stats)
    actions_cli.add_commands(groups)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.group == "actions":
        return actions_cli.main(args)
    for name in ("tenants", "days", "devices_per_tenant"):
        if getattr(args, name) < 1:
            print(f"msp: --{name.replace('_', '-')} must be at least 1", file=sys.stderr)
            return 2
    spec = spec_from(args)
    if args.command == "serve":
        from simulator.server import VENDORS, serve

        print(
            f"Serving seed {spec.seed} on http://127.0.0.1:{args.port} "
            f"({', '.join(VENDORS)}); Ctrl-C stops.",
            flush=True,
        )
        serve(spec, args.port, journal=args.journal)
        return 0
    started = time.perf_counter()
    world = World(spec)
    if args.command == "truth":
        from simulator import truth

        if args.advance_hours:
            world.advance(int(args.advance_hours * 3600))
        counts = truth.write_all(world, args.out)
        for name, rows in counts.items():
            print(f"{name:20} {rows:>8} rows")
        print(f"written to {args.out} in {time.perf_counter() - started:.1f} s")
        return 0
    print(f"built in {time.perf_counter() - started:.2f} s")
    for name in (
        "tenants",
        "devices",
        "contacts",
        "tickets",
        "notes",
        "threats",
        "alerts",
        "incidents",
        "runs",
        "veeam_jobs",
    ):
        print(f"{name:12} {len(getattr(world, name)):>8}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
