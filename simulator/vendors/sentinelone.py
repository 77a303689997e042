"""SentinelOne Management API v2.1 emulator: accounts, sites, agents, threats and activities,
with the network isolate/reconnect and threat mitigation actions.

Base path: /sentinelone/web/api/v2.1 (the real one is https://<console>.sentinelone.net/web/
api/v2.1). Auth: `Authorization: ApiToken <API_TOKEN>`; the token never expires here.
One account and one site per client company, one "Default Group" per site.
"""

from __future__ import annotations

import random

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simulator.emulator import Rendered, SimState, VendorStyle, endpoint, join_json, json_response
from simulator.vendors import sentinelone_render as render
from simulator.vendors.sentinelone_query import (
    Resource,
    at,
    error_response,
    list_body,
    parse_bool,
    select,
)
from simulator.world import Tenant, World

NAME = "sentinelone"
PREFIX = "/sentinelone/web/api/v2.1"
API_TOKEN = "sim-s1-service-user-token-0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdef012345"


def style(state: SimState) -> VendorStyle:
    return VendorStyle(NAME, server_error, rate_limited, authenticate)


def server_error() -> Response:
    return error_response(500, 5000000, "Server Error", "Something went wrong on our side")


def rate_limited(hint: bool) -> Response:
    # Unsure: S1 publishes no 429 body; this keeps the documented error shape.
    headers = {"Retry-After": "2"} if hint else None
    return error_response(429, 4290000, "Too Many Requests", "Rate limit exceeded", headers)


def authenticate(request: Request) -> Response | None:
    header = request.headers.get("authorization", "")
    if not header:
        return error_response(
            401,
            4010010,
            "Authentication Failed",
            "Missing Authorization header; send `ApiToken <token>`",
        )
    if header != f"ApiToken {API_TOKEN}":
        return error_response(401, 4010010, "Authentication Failed", "Invalid or expired token")
    return None


def licences(world: World, tenant: Tenant) -> tuple[int, int]:
    """(active agents now, licences bought): licences cover the timeline's peak, rounded up."""
    agents = [
        a
        for d in world.devices
        if d.tenant is tenant
        for a in d.s1_agents
        if a["decommissioned_at"] is None
    ]
    active = sum(
        1
        for d in world.devices
        if d.tenant is tenant
        and d.created_at <= world.clock
        and (d.last_seen_at is None or d.last_seen_at >= world.clock)
        for a in d.s1_agents
        if a["registered_at"] <= world.clock
        and (a["decommissioned_at"] is None or a["decommissioned_at"] > world.clock)
    )
    return active, (len(agents) // 10 + 2) * 10


def licence_block(total: int) -> dict:
    return {
        "bundles": [
            {
                "name": "complete",
                "displayName": "Complete",
                "majorVersion": 1,
                "minorVersion": 0,
                "totalSurfaces": total,
                "surfaces": [{"name": "Total Agents", "count": total}],
            }
        ],
        "modules": [],
        "settings": [],
    }


def owner(tenant: Tenant) -> dict:
    return {
        "state": "active",
        "usageType": "customer",
        "unlimitedExpiration": True,
        "expiration": None,
        "externalId": tenant.identifier,
        "isDefault": False,
        "createdAt": render.ts(tenant.created_at),
        "updatedAt": render.ts(tenant.created_at + 86_400),
        "creator": "Bluefin MSP Admin",
        "creatorId": "900000000000000001",
    }


def render_accounts(state: SimState) -> Rendered:
    world, records = state.world, []
    for t in world.tenants:
        active, total = licences(world, t)
        records.append(
            {
                "id": t.s1_account_id,
                "name": t.name_in("sentinelone"),
                "accountType": "Paid",
                "billingMode": "subscription",
                "activeAgents": active,
                "numberOfSites": 1,
                "totalLicenses": total,
                **owner(t),
                "licenses": licence_block(total),
                "skus": [],
                "coreSites": 0,
                "totalCore": 0,
            }
        )
    records.sort(key=lambda r: r["id"])
    return Rendered.of(records)


def render_sites(state: SimState) -> Rendered:
    world, records = state.world, []
    for t in world.tenants:
        active, total = licences(world, t)
        records.append(
            {
                "id": t.s1_site_id,
                "name": t.name_in("sentinelone"),
                "accountId": t.s1_account_id,
                "accountName": t.name_in("sentinelone"),
                "siteType": "Paid",
                "activeLicenses": active,
                "totalLicenses": total,
                "unlimitedLicenses": False,
                **owner(t),
                "description": f"Endpoints of {t.name}",
                "healthStatus": True,
                "licenses": licence_block(total),
                "sku": "Complete",
                "suite": "Complete",
            }
        )
    records.sort(key=lambda r: r["id"])
    return Rendered.of(records)


def touch_agent(state: SimState, r: random.Random) -> None:
    live = [
        a
        for d in state.world.devices
        for a in d.s1_agents
        if a["registered_at"] <= state.world.clock and a["decommissioned_at"] is None
    ]
    if live:
        live[r.randrange(len(live))]["touched_at"] = state.world.clock


def touch_threat(state: SimState, r: random.Random) -> None:
    live = [t for t in state.world.threats if t.created_at <= state.world.clock]
    if live:
        live[r.randrange(len(live))].touched_at = state.world.clock


STAMPS = ("createdAt", "updatedAt")
SCOPES = {"accountIds": at("accountId"), "siteIds": at("siteId")}
AGENTS = Resource(
    name="agents",
    render=render.render_agents,
    drift=touch_agent,
    lists={
        "ids": at("id"),
        "uuids": at("uuid"),
        **SCOPES,
        "groupIds": at("groupId"),
        "networkStatuses": at("networkStatus"),
        "osTypes": at("osType"),
        "machineTypes": at("machineType"),
        "agentVersions": at("agentVersion"),
    },
    enums={
        "networkStatuses": ("connected", "disconnected", "connecting", "disconnecting"),
        "osTypes": ("windows", "macos", "linux", "windows_legacy"),
    },
    bools={
        name: at(name)
        for name in ("isActive", "isDecommissioned", "infected", "isUninstalled", "isUpToDate")
    },
    times={name: at(name) for name in (*STAMPS, "lastActiveDate", "registeredAt")},
    texts={"computerName": at("computerName")},
    sorts={name: at(name) for name in ("id", "computerName", *STAMPS, "lastActiveDate")},
)
THREATS = Resource(
    name="threats",
    render=render.render_threats,
    drift=touch_threat,
    lists={
        "ids": at("id"),
        "agentIds": at("agentRealtimeInfo.agentId"),
        "accountIds": at("agentRealtimeInfo.accountId"),
        "siteIds": at("agentRealtimeInfo.siteId"),
        "groupIds": at("agentRealtimeInfo.groupId"),
        "incidentStatuses": at("threatInfo.incidentStatus"),
        "mitigationStatuses": at("threatInfo.mitigationStatus"),
        "confidenceLevels": at("threatInfo.confidenceLevel"),
        "analystVerdicts": at("threatInfo.analystVerdict"),
        "classifications": at("threatInfo.classification"),
    },
    enums={
        "incidentStatuses": ("unresolved", "in_progress", "resolved"),
        "mitigationStatuses": ("not_mitigated", "mitigated", "marked_as_benign"),
        "confidenceLevels": ("malicious", "suspicious", "n/a"),
        "analystVerdicts": ("undefined", "true_positive", "false_positive", "suspicious"),
    },
    bools={"resolved": lambda r: r["threatInfo"]["incidentStatus"] == "resolved"},
    times={name: at(f"threatInfo.{name}") for name in STAMPS},
    texts={"computerName": at("agentRealtimeInfo.agentComputerName")},
    sorts={"id": at("id"), **{name: at(f"threatInfo.{name}") for name in STAMPS}},
)
ACTIVITIES = Resource(
    name="activities",
    render=render.render_activities,
    lists={
        "ids": at("id"),
        **SCOPES,
        "groupIds": at("groupId"),
        "agentIds": at("agentId"),
        "threatIds": at("threatId"),
        "activityTypes": lambda r: str(r["activityType"]),
    },
    times={name: at(name) for name in STAMPS},
    sorts={name: at(name) for name in ("id", "activityType", *STAMPS)},
)
ACCOUNTS = Resource(
    name="accounts",
    render=render_accounts,
    lists={"ids": at("id"), "accountIds": at("id"), "states": at("state")},
    times={name: at(name) for name in STAMPS},
    texts={"name": at("name")},
    sorts={name: at(name) for name in ("id", "name", *STAMPS)},
)
SITES = Resource(
    name="sites",
    render=render_sites,
    lists={
        "ids": at("id"),
        "siteIds": at("id"),
        "accountIds": at("accountId"),
        "states": at("state"),
        "siteType": at("siteType"),
    },
    times={name: at(name) for name in STAMPS},
    texts={"name": at("name"), "accountName": at("accountName")},
    sorts={name: at(name) for name in ("id", "name", *STAMPS)},
)
RESOURCES = (AGENTS, THREATS, ACTIVITIES, ACCOUNTS)


def page_response(
    state: SimState, res: Resource, request: Request, sites: bool = False
) -> Response:
    params = dict(request.query_params)
    count_only = parse_bool(params.get("countOnly") or "false", "countOnly")
    skip_count = parse_bool(params.get("skipCount") or "false", "skipCount")
    encoded, total, next_cursor = select(state, res, params)
    if count_only:
        encoded, next_cursor = [], None
    data = join_json(encoded)
    if sites:
        # Unsure: allSites is taken over every site the token sees, not only this page.
        every: Rendered = state.cached(NAME, "sites", lambda: render_sites(state))
        totals = {
            "activeLicenses": sum(s["activeLicenses"] for s in every.records),
            "totalLicenses": sum(s["totalLicenses"] for s in every.records),
        }
        data = b'{"allSites":' + orjson.dumps(totals) + b',"sites":' + data + b"}"
    body = list_body(data, None if skip_count else total, next_cursor)
    return json_response(body, headers={"x-sim-records": str(len(encoded))})


def routes(state: SimState) -> list[Route]:
    from simulator.vendors import sentinelone_writes as writes

    vs = style(state)

    def lister(res: Resource, sites: bool = False):
        async def handler(request: Request) -> Response:
            return page_response(state, res, request, sites)

        return handler

    table = [
        Route(f"/{res.name}", endpoint(state, vs, lister(res)), methods=["GET"])
        for res in RESOURCES
    ]
    table.append(Route("/sites", endpoint(state, vs, lister(SITES, True)), methods=["GET"]))
    table += [
        Route(path, endpoint(state, vs, fn), methods=["POST"])
        for path, fn in writes.handlers(state).items()
    ]
    return table
