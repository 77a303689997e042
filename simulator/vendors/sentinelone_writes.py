"""SentinelOne actions: network isolate and reconnect of agents, and threat mitigation.

Like the real console, an action applies to every record its filter matches: an empty filter
acts on every agent (or threat) the token can see. Writes take effect at the world's clock.
"""

from __future__ import annotations

from collections.abc import Callable

import orjson
from starlette.requests import Request
from starlette.responses import Response

from simulator.emulator import Rendered, SimState, json_response
from simulator.vendors.sentinelone import AGENTS, NAME, THREATS
from simulator.vendors.sentinelone_query import Resource, bad_request, body_filter
from simulator.vendors.sentinelone_render import ACTIONS, mitigation_item, os_facts, upto
from simulator.world import Threat


async def read_json(request: Request) -> object:
    raw = await request.body()
    try:
        return orjson.loads(raw) if raw else None
    except orjson.JSONDecodeError as exc:
        raise bad_request(f"body: expected JSON, got {raw[:40]!r}") from exc


def matching_ids(state: SimState, res: Resource, body: object) -> list[str]:
    predicates = body_filter(res, body)
    data: Rendered = state.cached(NAME, res.name, lambda: res.render(state))
    return [
        r["id"]
        for r in data.records
        if all(p(r) for p in predicates) and not r.get("isDecommissioned")
    ]


def set_network(state: SimState, body: object, status: str) -> int:
    """Isolate or reconnect the matching agents; decommissioned agents take no commands."""
    world = state.world
    with state.lock:
        wanted = set(matching_ids(state, AGENTS, body))
        for device in world.devices:
            for agent in device.s1_agents:
                if agent["id"] in wanted:
                    agent.setdefault("network_log", []).append((world.clock, status))
                    device.network_status, device.network_status_at = status, world.clock
        if wanted:
            world.touch()
    return len(wanted)


def skip_reason(threat: Threat, action: str) -> str | None:
    os_type, _ = os_facts(threat.device.os_name)
    if action == "rollback" and os_type != "windows":
        return f"rollback is supported on Windows only, not on {os_type}"
    if action == "remediate" and os_type not in ("windows", "macos"):
        return f"remediate is supported on Windows and macOS only, not on {os_type}"
    return None


def mitigate(state: SimState, body: object, action: str) -> dict:
    world, clock = state.world, state.world.clock
    with state.lock:
        ids = matching_ids(state, THREATS, body)
        by_id = {t.id: t for t in world.threats if t.created_at <= clock}
        affected, details = 0, []
        for threat_id in ids:
            threat = by_id[threat_id]
            reason = skip_reason(threat, action)
            if reason:
                details.append(
                    {
                        "threatId": threat_id,
                        "reports": [],
                        "skipped": [
                            {"action": action, "reason": "not_supported", "description": reason}
                        ],
                    }
                )
                continue
            threat.actions.append((clock, action, "success"))
            if action != "unquarantine" and upto(threat.mitigated_at, clock) is None:
                threat.mitigated_at, threat.mitigated_by = clock, "console_api"
            affected += 1
            details.append(
                {
                    "threatId": threat_id,
                    "reports": [mitigation_item(action, "success", clock)],
                    "skipped": [],
                }
            )
        if affected:
            world.touch()
    return {"affected": affected, "details": details}


def handlers(state: SimState) -> dict[str, Callable]:
    async def disconnect(request: Request) -> Response:
        affected = set_network(state, await read_json(request), "disconnected")
        return json_response({"data": {"affected": affected}})

    async def connect(request: Request) -> Response:
        affected = set_network(state, await read_json(request), "connected")
        return json_response({"data": {"affected": affected}})

    async def mitigate_threats(request: Request) -> Response:
        word = request.path_params["action"]
        if word not in ACTIONS:
            raise bad_request(f"action: expected one of {sorted(ACTIONS)}, got {word!r}")
        body = await read_json(request)
        return json_response({"data": mitigate(state, body, ACTIONS[word])})

    return {
        "/agents/actions/disconnect": disconnect,
        "/agents/actions/connect": connect,
        "/threats/mitigate/{action}": mitigate_threats,
    }
