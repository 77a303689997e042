"""ConnectWise Manage REST 3.0 emulator: companies, contacts, configurations, agreements,
service tickets with notes, boards, priorities and SLAs.

Base path: /connectwise/v4_6_release/apis/3.0 (the real one is /{codebase}/apis/3.0).
"""

from __future__ import annotations

import base64
import bisect
import random
from urllib.parse import urlencode

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simulator import cw_conditions
from simulator.emulator import (
    Refusal,
    Rendered,
    SimState,
    VendorStyle,
    drift_between_pages,
    endpoint,
    int_param,
    iso,
    join_json,
    json_response,
)
from simulator.world import PRIORITIES, SLA_TIERS, Note, Ticket, World

NAME = "connectwise"
PREFIX = "/connectwise/v4_6_release/apis/3.0"
COMPANY_ID, PUBLIC_KEY, PRIVATE_KEY = "msp", "simpublic", "simprivate"
CLIENT_ID = "5b9b4d1c-3f0e-4e54-9a57-6f5c2f1b7a10"
MSP_COMPANY = {"id": 2, "identifier": "BluefinMSP", "name": "Bluefin Managed Services"}
BOARDS = {1: "Help Desk", 2: "NOC Alerts"}
STATUSES = (  # (offset, name, escalationStatus, closedStatus)
    (1, "New", "NotResponded", False),
    (2, "In Progress", "Responded", False),
    (3, "Waiting on Client", "NoEscalation", False),
    (4, "Resolved", "Resolved", False),
    (5, "Closed", "Resolved", True),
)
KIND_TYPES = {
    "workstation": (1, "Workstation"),
    "server": (2, "Server"),
    "firewall": (3, "Firewall"),
    "switch": (4, "Switch"),
    "access_point": (5, "Access Point"),
}


def style(state: SimState) -> VendorStyle:
    return VendorStyle(NAME, server_error, rate_limited, authenticate)


def error_body(code: str, message: str, errors: list | None = None) -> dict:
    return {"code": code, "message": message, "errors": errors}


def server_error() -> Response:
    return json_response(error_body("UnexpectedError", "An unexpected error occurred."), 500)


def rate_limited(hint: bool) -> Response:
    # The cloud's 429 comes from its Cloudflare front; no documented body, so a CW-shaped one.
    headers = {"Retry-After": "2"} if hint else None
    return json_response(error_body("TooManyRequests", "Rate limit exceeded"), 429, headers)


def authenticate(request: Request) -> Response | None:
    expected = base64.b64encode(f"{COMPANY_ID}+{PUBLIC_KEY}:{PRIVATE_KEY}".encode()).decode()
    if request.headers.get("authorization", "") != f"Basic {expected}":
        return json_response(error_body("Unauthorized", "UserNotAuthenticated"), 401)
    # Unsure: the cloud answers a missing clientId with 401 or 403; we follow the 401 reports.
    if request.headers.get("clientid", "") != CLIENT_ID:
        return json_response(error_body("Unauthorized", "A valid clientId header is required"), 401)
    return None


def bad_request(message: str) -> Refusal:
    return Refusal(
        json_response(
            error_body(
                "InvalidObject",
                message,
                [
                    {
                        "code": "InvalidField",
                        "message": message,
                        "resource": "request",
                        "field": "",
                        "details": None,
                    }
                ],
            ),
            400,
        )
    )


def not_found(what: str, ident: object) -> Refusal:
    return Refusal(json_response(error_body("NotFound", f"{what} ID {ident} was not found."), 404))


def ref(id_: int, name: str, **extra) -> dict:
    return {"id": id_, "name": name, **extra, "_info": {}}


def company_ref(world: World, tenant) -> dict:
    return {
        "id": tenant.cw_company_id,
        "identifier": tenant.identifier,
        "name": tenant.name,
        "_info": {"company_href": f"{PREFIX}/company/companies/{tenant.cw_company_id}"},
    }


def sla_ref(tier: str) -> dict:
    return ref(list(SLA_TIERS).index(tier) + 1, f"{tier} 24x7")


def status_for(ticket: Ticket, at: int) -> tuple[int, str]:
    """The status the timeline gives, unless a later write set one by hand."""
    base = 10 * (1 if ticket.board == "Help Desk" else 2)
    steps = [
        (ticket.entered_at, 1),
        (ticket.responded_at, 2),
        (ticket.waiting_from, 3),
        (ticket.resolved_at, 4),
        (ticket.closed_at, 5),
    ]
    steps = [(when, offset) for when, offset in steps if when is not None and when <= at]
    steps += [
        (when, value) for when, what, value in ticket.updates if what == "status" and when <= at
    ]
    offset = max(steps)[1]
    return base + offset, STATUSES[offset - 1][1]


def render_ticket(world: World, t: Ticket, at: int, notes_at: dict[int, int]) -> dict:
    responded = t.responded_at if t.responded_at is not None and t.responded_at <= at else None
    resolved = t.resolved_at if t.resolved_at is not None and t.resolved_at <= at else None
    closed = t.closed_at if t.closed_at is not None and t.closed_at <= at else None
    status_id, status_name = status_for(t, at)
    respond_min = (responded - t.entered_at) // 60 if responded else 0
    resolve_min = (resolved - t.entered_at) // 60 if resolved else 0
    in_sla = (
        (responded is None and at - t.entered_at <= t.respond_target_min * 60)
        or (responded is not None and respond_min <= t.respond_target_min)
    ) and (
        (resolved is None and at - t.entered_at <= t.resolve_target_min * 60)
        or (resolved is not None and resolve_min <= t.resolve_target_min)
    )
    times = [t.entered_at, responded, resolved, closed, notes_at.get(t.id)]
    times += [when for when, _, _ in t.updates if when <= at]
    if t.merged_at is not None and t.merged_at <= at:
        times.append(t.merged_at)
    last_updated = max(x for x in times if x is not None)
    board_id = 1 if t.board == "Help Desk" else 2
    priority = PRIORITIES[t.priority - 1]
    merged = t.merged_into if t.merged_at is not None and t.merged_at <= at else None
    return {
        "id": t.id,
        "summary": t.summary,
        "recordType": "ServiceTicket",
        "board": ref(board_id, t.board),
        "status": ref(status_id, status_name, sort=status_id % 10),
        "priority": ref(priority[0], priority[1], sort=priority[2], level=str(priority[0])),
        "company": company_ref(world, t.tenant),
        "contact": ref(t.contact_id, "") if t.contact_id else None,
        "type": ref(22, "Incident" if t.board == "NOC Alerts" else "Service Request"),
        "owner": {
            "id": 100 + hash_member(t.owner),
            "identifier": t.owner,
            "name": t.owner,
            "_info": {},
        }
        if t.owner and responded
        else None,
        "source": ref(2, t.source),
        "severity": "High" if t.priority <= 2 else "Medium" if t.priority == 3 else "Low",
        "impact": "High" if t.priority == 1 else "Medium",
        "agreement": ref(
            700 + t.tenant.index,
            f"Managed Services - {t.tenant.sla_tier}",
            type="Managed Services",
            chargeFirmFlag=False,
        ),
        "sla": sla_ref(t.tenant.sla_tier),
        "slaStatus": "Resolved"
        if resolved
        else (
            f"Resolve by {iso(t.entered_at + t.resolve_target_min * 60)}"
            if responded
            else f"Respond by {iso(t.entered_at + t.respond_target_min * 60)}"
        ),
        "closedFlag": closed is not None,
        "closedDate": iso(closed),
        "closedBy": (t.owner or "api") if closed else None,
        "dateResponded": iso(responded),
        "dateResplan": iso(responded),
        "dateResolved": iso(resolved),
        "respondMinutes": respond_min,
        "resPlanMinutes": respond_min,
        "resolveMinutes": resolve_min,
        "isInSla": bool(in_sla),
        "actualHours": round(resolve_min / 60 * 0.3, 2) if resolved else None,
        "budgetHours": None,
        "parentTicketId": None,
        "mergedParentTicket": {"id": merged, "_info": {}} if merged else None,
        "customerUpdatedFlag": False,
        "initialDescription": t.initial_description,
        "integratorTags": [],
        "customFields": [],
        "_info": {
            "lastUpdated": iso(last_updated),
            "updatedBy": t.owner or "api",
            "dateEntered": iso(t.entered_at),
            "enteredBy": "api" if t.created_by_api else "template",
        },
    }


def hash_member(member: str | None) -> int:
    return sum(map(ord, member or "")) % 97


def render_tickets(state: SimState) -> Rendered:
    world, at = state.world, state.world.clock
    notes_at: dict[int, int] = {}
    for note in world.notes:
        if note.created_at <= at:
            notes_at[note.ticket_id] = max(notes_at.get(note.ticket_id, 0), note.created_at)
    records = [
        render_ticket(world, t, at, notes_at)
        for t in world.tickets
        if t.entered_at <= at and not (t.deleted_at is not None and t.deleted_at <= at)
    ]
    records.sort(key=lambda r: r["id"])
    return Rendered.of(records)


def render_companies(state: SimState) -> Rendered:
    world = state.world
    records = [
        company_record(
            world,
            MSP_COMPANY["id"],
            MSP_COMPANY["identifier"],
            MSP_COMPANY["name"],
            world.spec.start - 3000 * 86400,
            "Owner",
            None,
        )
    ]
    for t in world.tenants:
        records.append(
            company_record(
                world, t.cw_company_id, t.identifier, t.name, t.created_at, "Managed Client", t
            )
        )
    return Rendered.of(records)


def company_record(
    world: World, id_: int, identifier: str, name: str, created: int, type_name: str, tenant
) -> dict:
    city, state_code, zip_code = tenant.city if tenant else ("Brookhaven", "OR", "97001")
    return {
        "id": id_,
        "identifier": identifier,
        "name": name,
        "status": ref(1, "Active"),
        "types": [ref(1 if tenant else 5, type_name)],
        "addressLine1": tenant.street if tenant else "1 Harbor St",
        "city": city,
        "state": state_code,
        "zip": zip_code,
        "country": ref(1, "United States"),
        "phoneNumber": "5550100",
        "website": f"www.{tenant.domain}" if tenant else "",
        "territory": ref(1, "Main"),
        "market": ref(1, "Healthcare"),
        "parentCompany": None,
        "defaultContact": None,
        "deletedFlag": False,
        "dateDeleted": None,
        "deletedBy": None,
        "leadFlag": False,
        "isVendorFlag": False,
        "numberOfEmployees": 40,
        "integratorTags": [],
        "customFields": [],
        "_info": {
            "lastUpdated": iso(created + 3600),
            "dateEntered": iso(created),
            "enteredBy": "admin",
            "updatedBy": "admin",
        },
    }


def render_contacts(state: SimState) -> Rendered:
    world = state.world
    records = []
    for c in world.contacts:
        records.append(
            {
                "id": c["id"],
                "firstName": c["first_name"],
                "lastName": c["last_name"],
                "company": company_ref(world, c["tenant"]),
                "site": ref(1, "Main"),
                "title": c["title"],
                "inactiveFlag": c["inactive"],
                "defaultFlag": c["is_default"],
                "defaultBillingFlag": c["is_default"],
                "defaultPhoneType": "Direct",
                "defaultPhoneNbr": c["phone"],
                "types": [],
                "communicationItems": [
                    {
                        "id": c["id"] * 10 + 1,
                        "type": ref(1, "Email"),
                        "value": c["email"],
                        "extension": None,
                        "defaultFlag": True,
                        "domain": c["email"].split("@")[1],
                        "communicationType": "Email",
                    }
                ],
                "integratorTags": [],
                "customFields": [],
                "_info": {
                    "lastUpdated": iso(c["updated_at"]),
                    "dateEntered": iso(c["updated_at"]),
                    "enteredBy": "admin",
                    "updatedBy": "admin",
                },
            }
        )
    records.sort(key=lambda r: r["id"])
    return Rendered.of(records)


def render_configurations(state: SimState) -> Rendered:
    world, at = state.world, state.world.clock
    records = []
    for d in world.devices:
        if d.cw_config_id is None or d.created_at > at:
            continue
        type_id, type_name = KIND_TYPES[d.kind]
        records.append(
            {
                "id": d.cw_config_id,
                "name": d.cw_name,
                "type": ref(type_id, type_name),
                "status": ref(1, "Active"),
                "company": company_ref(world, d.tenant),
                "contact": None,
                "site": ref(1, "Main"),
                "deviceIdentifier": "",
                "serialNumber": d.serial if "cw" in d.serial_in else "",
                "modelNumber": "",
                "tagNumber": "",
                "purchaseDate": iso(d.created_at),
                "installationDate": iso(d.created_at),
                "warrantyExpirationDate": iso(d.created_at + 3 * 365 * 86400),
                "macAddress": d.mac.upper(),
                "ipAddress": d.ip,
                "osType": d.os_name,
                "osInfo": "",
                "lastLoginName": "",
                "activeFlag": True,
                "manufacturer": ref(1, "Generic"),
                "vendor": None,
                "parentConfigurationId": None,
                "lastBackupDate": None,
                "backupFailed": 0,
                "managementLink": "",
                "remoteLink": "",
                "sla": sla_ref(d.tenant.sla_tier),
                "questions": [],
                "customFields": [],
                "_info": {
                    "lastUpdated": iso(d.created_at + 600),
                    "dateEntered": iso(d.created_at),
                    "enteredBy": "admin",
                    "updatedBy": "admin",
                },
            }
        )
    records.sort(key=lambda r: r["id"])
    return Rendered.of(records)


def render_agreements(state: SimState) -> Rendered:
    world = state.world
    records = []
    for t in world.tenants:
        records.append(
            {
                "id": 700 + t.index,
                "name": f"Managed Services - {t.sla_tier}",
                "type": ref(1, "Managed Services"),
                "company": company_ref(world, t),
                "contact": None,
                "site": ref(1, "Main"),
                "parentAgreement": None,
                "startDate": iso(t.created_at),
                "endDate": None,
                "noEndingDateFlag": True,
                "cancelledFlag": False,
                "dateCancelled": None,
                "agreementStatus": "Active",
                "sla": sla_ref(t.sla_tier),
                "applicationUnits": "Amount",
                "applicationLimit": 0,
                "applicationCycle": "CalendarMonth",
                "applicationUnlimitedFlag": True,
                "billingCycle": ref(1, "Monthly"),
                "billAmount": 0,
                "billTime": "Billable",
                "billExpenses": "Billable",
                "billProducts": "Billable",
                "coverAgreementTime": True,
                "workRole": None,
                "workType": None,
                "customFields": [],
                "_info": {
                    "lastUpdated": iso(t.created_at + 3600),
                    "dateEntered": iso(t.created_at),
                },
            }
        )
    return Rendered.of(records)


def render_slas(state: SimState) -> Rendered:
    records = []
    for n, (tier, factor) in enumerate(SLA_TIERS.items(), start=1):
        p1, p4 = PRIORITIES[0], PRIORITIES[3]
        records.append(
            {
                "id": n,
                "name": f"{tier} 24x7",
                "basedOn": "AllHours",
                "customCalendar": None,
                "defaultFlag": n == 1,
                "applicationOrder": n,
                "respondHours": p1[4] * factor,
                "respondPercent": 97,
                "planWithin": p1[4] * factor,
                "planWithinPercent": 95,
                "resolutionHours": p4[5] * factor,
                "resolutionPercent": 90,
                "_info": {"lastUpdated": iso(state.world.spec.start - 86400 * 400)},
            }
        )
    return Rendered.of(records)


def sla_priorities(state: SimState, sla_id: int) -> list[dict]:
    tiers = list(SLA_TIERS.items())
    if not 1 <= sla_id <= len(tiers):
        raise not_found("SLA", sla_id)
    _, factor = tiers[sla_id - 1]
    return [
        {
            "id": sla_id * 10 + p[0],
            "sla": ref(sla_id, f"{tiers[sla_id - 1][0]} 24x7"),
            "priority": ref(p[0], p[1]),
            "respondHours": p[4] * factor,
            "planWithin": p[4] * factor,
            "resolutionHours": p[5] * factor,
        }
        for p in PRIORITIES
    ]


def render_boards(state: SimState) -> Rendered:
    return Rendered.of(
        [
            {
                "id": bid,
                "name": name,
                "location": ref(1, "Main"),
                "department": ref(1, "Service"),
                "inactiveFlag": False,
                "projectFlag": False,
                "autoCloseStatus": ref(bid * 10 + 5, "Closed"),
                "timeEntryLockedFlag": False,
                "_info": {"lastUpdated": iso(state.world.spec.start - 86400 * 400)},
            }
            for bid, name in BOARDS.items()
        ]
    )


def board_statuses(board_id: int) -> list[dict]:
    if board_id not in BOARDS:
        raise not_found("Board", board_id)
    return [
        {
            "id": board_id * 10 + off,
            "name": name,
            "board": ref(board_id, BOARDS[board_id]),
            "sortOrder": off,
            "displayOnBoard": True,
            "inactive": False,
            "closedStatus": closed,
            "timeEntryNotAllowed": closed,
            "defaultFlag": off == 1,
            "escalationStatus": esc,
            "customerPortalFlag": True,
            "_info": {},
        }
        for off, name, esc, closed in STATUSES
    ]


def render_priorities(state: SimState) -> Rendered:
    colors = ["Red", "Orange", "Yellow", "Green"]
    return Rendered.of(
        [
            {
                "id": p[0],
                "name": p[1],
                "color": colors[p[0] - 1],
                "sortOrder": p[2],
                "defaultFlag": p[0] == 3,
                "imageLink": "",
                "urgencySortOrder": str(p[0]),
                "level": str(p[0]),
                "_info": {},
            }
            for p in PRIORITIES
        ]
    )


RESOURCES = {
    "/company/companies": render_companies,
    "/company/contacts": render_contacts,
    "/company/configurations": render_configurations,
    "/finance/agreements": render_agreements,
    "/service/tickets": render_tickets,
    "/service/boards": render_boards,
    "/service/priorities": render_priorities,
    "/service/SLAs": render_slas,
}


def query_records(
    state: SimState, path: str, conditions: str, order_by: str
) -> tuple[list[dict], list[bytes]]:
    """Filtered and ordered records, cached per query until the world changes."""
    data: Rendered = state.cached(NAME, path, lambda: RESOURCES[path](state))
    order = parse_order(order_by)
    try:
        predicate = cw_conditions.parse(conditions) if conditions else None
    except cw_conditions.ConditionError as exc:
        raise bad_request(str(exc)) from exc
    if predicate is None and order in ([], [("id", False)]):
        return data.records, data.encoded

    def run() -> tuple[list[dict], list[bytes]]:
        pairs = list(zip(data.records, data.encoded, strict=True))
        if predicate:
            pairs = [p for p in pairs if predicate(p[0])]
        for key, desc in reversed(order):
            pairs.sort(key=lambda p: sort_key(cw_conditions.lookup(p[0], key)), reverse=desc)
        return [p[0] for p in pairs], [p[1] for p in pairs]

    return state.cached(NAME, f"{path}?{conditions}&{order_by}", run)


def sort_key(value: object) -> tuple:
    return (value is None, value if isinstance(value, int | float) else str(value or ""))


def parse_order(order_by: str) -> list[tuple[str, bool]]:
    keys = []
    for part in filter(None, (p.strip() for p in order_by.split(","))):
        words = part.split()
        if len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise bad_request(f"orderBy: expected `field [asc|desc]`, got {part!r}")
        keys.append((words[0], len(words) == 2 and words[1].lower() == "desc"))
    return keys


def project(record: dict, fields: str) -> dict:
    out: dict = {}
    for path in filter(None, (f.strip() for f in fields.split(","))):
        parts = path.split("/")
        src, dst = record, out
        for part in parts[:-1]:
            src = src.get(part) if isinstance(src, dict) else None
            dst = dst.setdefault(part, {})
        if isinstance(src, dict) and parts[-1] in src:
            dst[parts[-1]] = src[parts[-1]]
    return out


def list_response(
    state: SimState, request: Request, path: str, conditions: str, order_by: str
) -> Response:
    q = request.query_params
    try:
        size = int_param(request, "pageSize", 25, 1, 1000)
        page = int_param(request, "page", 1, 1, 10**9)
        page_id = int_param(request, "pageId", 0, 0, 10**12)
    except ValueError as exc:
        raise bad_request(str(exc)) from exc
    forward_only = request.headers.get("pagination-type", "").lower() == "forward-only"
    if page > 1 or page_id:
        drift_between_pages(state, NAME, lambda r: drift(state.world, r))
    if forward_only:
        order_by = "id asc"
    records, encoded = query_records(state, path, conditions, order_by or "id asc")
    if forward_only:
        ids = state.cached(NAME, f"ids:{path}:{conditions}", lambda: [r["id"] for r in records])
        start = bisect.bisect_right(ids, page_id) if page_id else 0
        chosen, chosen_enc = records[start : start + size], encoded[start : start + size]
        more = start + size < len(records)
        links = []
        if more:
            links.append(link(request, {"pageId": chosen[-1]["id"]}, "next"))
    else:
        offset = (page - 1) * size
        chosen, chosen_enc = records[offset : offset + size], encoded[offset : offset + size]
        last = max(1, -(-len(records) // size))
        links = []
        if page > 1:
            links += [
                link(request, {"page": 1}, "first"),
                link(request, {"page": page - 1}, "previous"),
            ]
        if page < last:
            links += [
                link(request, {"page": page + 1}, "next"),
                link(request, {"page": last}, "last"),
            ]
    body = join_json(
        [orjson.dumps(project(r, q["fields"])) for r in chosen] if q.get("fields") else chosen_enc
    )
    headers = {"x-sim-records": str(len(chosen))}
    if links:
        headers["Link"] = ", ".join(links)
    return json_response(body, headers=headers)


def link(request: Request, changes: dict, rel: str) -> str:
    params = dict(request.query_params)
    params.update({k: str(v) for k, v in changes.items()})
    return f'<{request.url.replace(query=urlencode(params))}>; rel="{rel}"'


def drift(world: World, r: random.Random) -> None:
    """Between pages: touch one live ticket, or delete one, as busy service desks do."""
    at = world.clock
    live = [
        t
        for t in world.tickets
        if t.entered_at <= at and not (t.deleted_at is not None and t.deleted_at <= at)
    ]
    if not live:
        return
    victim = live[r.randrange(len(live))]
    if r.random() < 0.5:
        victim.updates.append((at, "touch", None))
    else:
        victim.deleted_at = at


def routes(state: SimState) -> list[Route]:
    vs = style(state)

    def ep(path, fn, methods=("GET",)):
        return Route(path, endpoint(state, vs, fn), methods=list(methods))

    def lister(path):
        async def handler(request: Request) -> Response:
            return list_response(
                state,
                request,
                path,
                request.query_params.get("conditions", ""),
                request.query_params.get("orderBy", ""),
            )

        return handler

    def counter(path):
        async def handler(request: Request) -> Response:
            records, _ = query_records(state, path, request.query_params.get("conditions", ""), "")
            return json_response({"count": len(records)})

        return handler

    def getter(path, what):
        async def handler(request: Request) -> Response:
            ident = request.path_params["id"]
            records, encoded = query_records(state, path, f"id={ident}", "")
            if not records:
                raise not_found(what, ident)
            return json_response(encoded[0])

        return handler

    table = []
    for path in RESOURCES:
        what = path.rsplit("/", 1)[1].rstrip("s").title()
        table += [
            ep(path, lister(path)),
            ep(path + "/count", counter(path)),
            ep(path + "/{id:int}", getter(path, what)),
        ]
    table += write_routes(state, ep)
    return table


def write_routes(state: SimState, ep) -> list[Route]:
    from simulator.vendors import connectwise_writes as w

    async def search(request: Request) -> Response:
        body = await read_json(request)
        return list_response(
            state, request, "/service/tickets", body.get("conditions", ""), body.get("orderBy", "")
        )

    async def statuses(request: Request) -> Response:
        return json_response(board_statuses(request.path_params["id"]))

    async def priorities(request: Request) -> Response:
        return json_response(sla_priorities(state, request.path_params["id"]))

    return [
        ep("/service/tickets/search", search, ("POST",)),
        ep("/service/boards/{id:int}/statuses", statuses),
        ep("/service/SLAs/{id:int}/priorities", priorities),
        *w.routes(state, ep),
    ]


async def read_json(request: Request) -> dict | list:
    raw = await request.body()
    try:
        return orjson.loads(raw) if raw else {}
    except orjson.JSONDecodeError as exc:
        raise bad_request(f"request body: expected JSON, got {raw[:40]!r}") from exc


def new_note(world: World, ticket_id: int, text: str, kind: str, who: str) -> Note:
    note = Note(world.next_note_id(), ticket_id, text, world.clock, kind, who)
    world.notes.append(note)
    world.touch()
    return note
