"""Auvik API v1 emulator (JSON:API): tenants, device and interface inventory, alert history
with dismiss, and device availability statistics.

Base path: /auvik/v1 (the real one is https://auvikapi.{region}.my.auvik.com/v1). Auth: HTTP
Basic with USERNAME (the Auvik user's e-mail) and API_KEY. The MSP is one multiClient tenant,
MSP_PREFIX, with one client tenant per company of the world.
"""

from __future__ import annotations

import base64
import random

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simulator.emulator import Rendered, SimState, VendorStyle, endpoint, json_response
from simulator.vendors import auvik_render as render
from simulator.vendors import auvik_stats as stats
from simulator.vendors.auvik_paging import (
    MEDIA,
    Listing,
    after,
    attr,
    bad_request,
    before,
    choose,
    compile_query,
    error_response,
    flag,
    list_response,
    one_of,
)
from simulator.world import Tenant, World, numeric_id

NAME = "auvik"
PREFIX = "/auvik/v1"
USERNAME, API_KEY = "api@bluefin-msp.test", "sim-auvik-api-key-7f3c9a1e5b2d4c6e"
MSP_PREFIX, MSP_NAME = "bluefinmsp", "Bluefin Managed Services"
# Unsure: the notes report throttling as 403 with "rate limit" in the text, some clients as 429.
RATE_LIMIT_STATUS = 403


def style(state: SimState) -> VendorStyle:
    return VendorStyle(NAME, server_error, rate_limited, authenticate)


def server_error() -> Response:
    return error_response(500, "Internal Server Error", "An unexpected error occurred")


def rate_limited(hint: bool) -> Response:
    headers = {"Retry-After": "2"} if hint else None
    return error_response(
        RATE_LIMIT_STATUS,
        "Forbidden",
        "API rate limit exceeded; wait before sending more requests",
        headers,
    )


def authenticate(request: Request) -> Response | None:
    expected = base64.b64encode(f"{USERNAME}:{API_KEY}".encode()).decode()
    if request.headers.get("authorization", "") != f"Basic {expected}":
        # Unsure: the spec gives 401 no body schema; an empty body is what verify shows.
        return Response(b"", status_code=401, headers={"WWW-Authenticate": 'Basic realm="Auvik"'})
    return None


def msp_id(world: World) -> str:
    return numeric_id(world.rng.stream("auvik-msp"))


def tenant_record(world: World, tenant: Tenant | None, detail: bool) -> dict:
    prefix = tenant.domain_prefix if tenant else MSP_PREFIX
    record = {
        "type": "tenants" if detail else "tenant",
        "id": tenant.auvik_tenant_id if tenant else msp_id(world),
        "attributes": {"domainPrefix": prefix, "tenantType": "client" if tenant else "multiClient"},
        "relationships": {
            "parent": {"data": {"type": "tenant", "id": msp_id(world)} if tenant else None}
        },
    }
    if detail:
        city, region, postal = tenant.city if tenant else ("Brookhaven", "OR", "97001")
        record["attributes"] |= {
            "displayName": tenant.name_in("auvik") if tenant else MSP_NAME,
            "enabled": True,
            "subscribed": True,
            "running": True,
            "subscriptionOwner": MSP_PREFIX,
            "trialStartDate": None,
            "trialEndDate": None,
            "address": {
                "address1": tenant.street if tenant else "1 Harbor St",
                "address2": "",
                "city": city,
                "state": region,
                "postalCode": postal,
                "country": "US",
            },
        }
        record["relationships"]["authorizations"] = {
            "data": [{"type": "authorizations", "id": f"({record['id'][-5:]},7923)"}]
        }
    return record


def tenants_body(world: World, detail: bool, only: Tenant | None = None) -> bytes:
    chosen = [only] if only else [None, *world.tenants]
    return orjson.dumps({"data": [tenant_record(world, t, detail) for t in chosen]})


def touch_device(state: SimState, r: random.Random) -> None:
    live = [d for d in state.world.devices if render.visible_in_auvik(d, state.world.clock)]
    if live:
        live[r.randrange(len(live))].touched_at["auvik"] = state.world.clock


def by_id(record: dict) -> tuple:
    return (record["id"],)


DEVICES = Listing(
    name="devices",
    key=by_id,
    drift=touch_device,
    render=lambda state, base: render.render_inventory(state, base, interfaces=False),
    filters={
        "deviceType": one_of(attr("deviceType"), tuple(render.DEVICE_TYPES.values())),
        "onlineStatus": one_of(
            attr("onlineStatus"),
            (
                "online",
                "offline",
                "unreachable",
                "testing",
                "unknown",
                "dormant",
                "notPresent",
                "lowerLayerDown",
            ),
        ),
        "makeModel": one_of(attr("makeModel")),
        "vendorName": one_of(attr("vendorName")),
        "modifiedAfter": after(attr("lastModified")),
        "notSeenSince": before(attr("lastSeenTime")),
    },
)
INTERFACES = Listing(
    name="interfaces",
    key=by_id,
    drift=touch_device,
    render=lambda state, base: render.render_inventory(state, base, interfaces=True),
    filters={
        "interfaceType": one_of(attr("interfaceType")),
        "parentDevice": one_of(lambda r: r["relationships"]["parentDevice"]["data"]["id"]),
        "operationalStatus": one_of(attr("operationalStatus")),
        "adminStatus": flag(attr("adminStatus")),
        "modifiedAfter": after(attr("lastModified")),
    },
)
ALERTS = Listing(
    name="alerts",
    render=render.render_alerts,
    key=lambda r: (r["attributes"]["detectedOn"], r["id"]),
    filters={
        "severity": one_of(
            attr("severity"), ("unknown", "emergency", "critical", "warning", "info")
        ),
        "status": one_of(attr("status"), ("created", "resolved", "paused", "unpaused")),
        "alertDefinitionId": one_of(attr("alertDefinitionId")),
        "entityId": one_of(lambda r: r["relationships"]["entity"]["data"]["id"]),
        "dismissed": flag(attr("dismissed")),
        "dispatched": flag(attr("dispatched")),
        # The spec mistypes these two as boolean; they take timestamps.
        "detectedTimeAfter": after(attr("detectedOn")),
        "detectedTimeBefore": before(attr("detectedOn")),
    },
)
WINDOW = {
    name: (lambda raw, param: lambda r: True) for name in ("fromTime", "thruTime", "interval")
}
AVAILABILITY = Listing(
    name="devices",
    key=by_id,
    render=DEVICES.render,
    filters={
        **WINDOW,
        "deviceType": DEVICES.filters["deviceType"],
        "deviceId": one_of(lambda r: r["id"]),
    },
)


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/") + PREFIX


def lister(state: SimState, listing: Listing):
    async def handler(request: Request) -> Response:
        world = state.world
        predicates = compile_query(
            listing, request.query_params, {t.auvik_tenant_id for t in world.tenants}, msp_id(world)
        )
        view, page, links, pages = choose(state, listing, request, base_url(request), predicates)
        return list_response(view, page, links, pages)

    return handler


def routes(state: SimState) -> list[Route]:
    world, vs = state.world, style(state)

    def ep(path, fn, methods=("GET",), authenticated=True):
        return Route(path, endpoint(state, vs, fn, authenticated), methods=list(methods))

    async def verify(request: Request) -> Response:
        refused = authenticate(request)
        return refused or Response(b"", status_code=200)

    async def tenants(request: Request) -> Response:
        return json_response(tenants_body(world, detail=False), media_type=MEDIA)

    async def tenants_detail(request: Request) -> Response:
        # Unsure: the spec shows no paging on tenant detail; one answer like /tenants.
        prefix = request.query_params.get("tenantDomainPrefix")
        if not prefix:
            raise bad_request("tenantDomainPrefix: required, the MSP's domain prefix")
        client = next((t for t in world.tenants if t.domain_prefix == prefix), None)
        if prefix != MSP_PREFIX and client is None:
            return error_response(403, "Forbidden", f"no access to tenant {prefix!r}")
        return json_response(tenants_body(world, detail=True, only=client), media_type=MEDIA)

    async def dismiss(request: Request) -> Response:
        ident = request.path_params["id"]
        with state.lock:
            alert = next(
                (a for a in world.alerts if a.id == ident and a.detected_at <= world.clock), None
            )
            if alert is None:
                return error_response(404, "Not Found", f"alert {ident!r} was not found")
            if alert.dismissed_at is None or alert.dismissed_at > world.clock:
                alert.dismissed_at = world.clock
                world.touch()
        return Response(b"", status_code=200)

    async def availability(request: Request) -> Response:
        stat = request.path_params["stat"]
        if stat not in stats.STATS:
            return error_response(
                404, "Not Found", f"statistic {stat!r}; known: {sorted(stats.STATS)}"
            )
        start, thru, step, interval = stats.report_window(request.query_params, world.clock)
        predicates = compile_query(
            AVAILABILITY,
            request.query_params,
            {t.auvik_tenant_id for t in world.tenants},
            msp_id(world),
        )
        view, page, links, pages = choose(
            state, AVAILABILITY, request, base_url(request), predicates
        )
        devices = {d.auvik_device_id: d for d in world.devices if d.auvik_device_id}
        entries = [
            stats.availability(
                world, devices[view.records[i]["id"]], stat, start, thru, step, interval
            )
            for i in page
        ]
        return list_response(Rendered.of(entries), list(range(len(entries))), links, pages)

    return [
        ep("/authentication/verify", verify, authenticated=False),
        ep("/tenants", tenants),
        ep("/tenants/detail", tenants_detail),
        ep("/inventory/device/info", lister(state, DEVICES)),
        ep("/inventory/interface/info", lister(state, INTERFACES)),
        ep("/alert/history/info", lister(state, ALERTS)),
        ep("/alert/dismiss/{id}", dismiss, ("POST",)),
        ep("/stat/deviceAvailability/{stat}", availability),
    ]
