"""The emulator HTTP app: every vendor under its own path prefix, plus /_sim controls."""

from __future__ import annotations

import contextlib
import importlib
import io
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.types import ASGIApp

from simulator import truth
from simulator.emulator import SimState, json_response
from simulator.journal import Journal, replay
from simulator.world import HOUR, World, WorldSpec

VENDORS = ("connectwise", "sentinelone", "veeam", "cove", "auvik")


def vendor_modules() -> list:
    found = []
    for name in VENDORS:
        try:
            found.append(importlib.import_module(f"simulator.vendors.{name}"))
        except ModuleNotFoundError as exc:
            if exc.name != f"simulator.vendors.{name}":
                raise
    return found


def build_app(world: World) -> tuple[Starlette, SimState]:
    modules = vendor_modules()
    state = SimState(world, [m.NAME for m in modules])
    mounts = [Mount(m.PREFIX, routes=m.routes(state)) for m in modules]
    app = Starlette(routes=[*control_routes(state, modules), *mounts])
    app.state.sim = state
    return app, state


def control_routes(state: SimState, modules: list) -> list[Route]:
    world = state.world

    async def health(request: Request) -> Response:
        return json_response(
            {
                "status": "ok",
                "clock": world.clock,
                "seed": world.spec.seed,
                "vendors": {m.NAME: m.PREFIX for m in modules},
            }
        )

    async def advance(request: Request) -> Response:
        q = request.query_params
        try:
            seconds = int(float(q.get("hours", 0)) * HOUR) + int(q.get("seconds", 0))
            with state.lock:
                world.advance(seconds)
        except ValueError as exc:
            return json_response({"error": str(exc)}, 400)
        return json_response({"clock": world.clock})

    async def faults(request: Request) -> Response:
        if request.method == "POST":
            body = await request.json()
            try:
                for vendor, values in body.items():
                    state.set_faults(vendor, values or {})
            except (ValueError, TypeError) as exc:
                return json_response({"error": str(exc)}, 400)
        return json_response(state.faults_dict())

    async def requests_log(request: Request) -> Response:
        if request.method == "DELETE":
            with state.lock:
                state.log.clear()
        since = int(request.query_params.get("since", 0))
        return json_response([r for r in state.log if r["seq"] > since])

    async def truth_table(request: Request) -> Response:
        name = request.path_params["table"]
        if name not in truth.TABLES:
            return json_response(
                {"error": f"unknown truth table {name!r}; known: {sorted(truth.TABLES)}"}, 404
            )
        with state.lock:
            table = truth.TABLES[name](world)
        buffer = io.BytesIO()
        pq.write_table(table, buffer)
        return Response(buffer.getvalue(), media_type="application/vnd.apache.parquet")

    return [
        Route("/_sim/health", health),
        Route("/_sim/advance", advance, methods=["POST"]),
        Route("/_sim/faults", faults, methods=["GET", "POST"]),
        Route("/_sim/requests", requests_log, methods=["GET", "DELETE"]),
        Route("/_sim/truth/{table}", truth_table),
    ]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def journaled_app(spec: WorldSpec, journal: Path | None) -> tuple[ASGIApp, SimState]:
    """The app for a world; with a journal, earlier writes are replayed and new ones kept."""
    app, state = build_app(World(spec))
    if journal is None:
        return app, state
    replayed = replay(app, journal)
    state.log.clear()
    if replayed:
        print(f"Replayed {replayed} earlier writes from {journal}", flush=True)
    return Journal(app, journal), state


def serve(spec: WorldSpec, port: int, host: str = "127.0.0.1", journal: Path | None = None) -> None:
    app, _ = journaled_app(spec, journal)
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


@contextlib.contextmanager
def running(
    spec: WorldSpec, port: int | None = None, journal: Path | None = None
) -> Iterator[tuple[str, SimState]]:
    """Serve a world on 127.0.0.1 in a background thread; yields the base URL and the state."""
    app, state = journaled_app(spec, journal)
    port = port or free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="off"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"emulator did not start on 127.0.0.1:{port}")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}", state
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def answers(base_url: str) -> bool:
    """True when an emulator answers its health check at `base_url`."""
    import httpx

    try:
        return httpx.get(f"{base_url}/_sim/health", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@contextlib.contextmanager
def serving_process(
    spec: WorldSpec, port: int | None = None, journal: Path | None = None, timeout: float = 600
) -> Iterator[str]:
    """`msp sim serve` in a process of its own, so client and server never share a GIL;
    yields the base URL once the world answers, and stops the process (by its PID) after."""
    import subprocess
    import sys

    port = port or free_port()
    base_url = f"http://127.0.0.1:{port}"
    command = [
        sys.executable,
        "-m",
        "simulator.cli",
        "sim",
        "serve",
        "--port",
        str(port),
        "--seed",
        str(spec.seed),
        "--tenants",
        str(spec.tenants),
        "--days",
        str(spec.days),
        "--devices-per-tenant",
        str(spec.devices_per_tenant),
    ]
    if journal is not None:
        command += ["--journal", str(journal)]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, cwd=Path(__file__).resolve().parents[1]
    )
    try:
        deadline = time.monotonic() + timeout
        while not answers(base_url):
            if process.poll() is not None:
                raise RuntimeError(f"the emulator exited before it answered on {base_url}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the emulator did not answer on {base_url} in {timeout} s")
            time.sleep(0.3)
        yield base_url
    finally:
        process.terminate()
        process.wait(timeout=30)
