"""Veeam Service Provider Console REST API v3 emulator: companies, backup servers, jobs,
protected VMs, repositories, active alarms, the job start action and async actions.

Base path: /veeam/api/v3 (the real one is https://{vspc}:1280/api/v3).

Auth: POST /token, form-encoded, `grant_type=password` with USERNAME / PASSWORD, or
`grant_type=refresh_token`. Access tokens live 3600 simulated seconds from the clock at which
they were issued; refresh tokens are single-use and do not expire. API_KEY is a Simple REST API
key that never expires.

Asynchronous answers (the deterministic rule): any GET of a list sent with the header
`X-Sim-Async: 1` answers 202 with `Location: .../asyncActions/{id}` instead of the list. The
first GET of that action reports `running`, every later one `succeed`; its `/result` then holds
the body the list would have given, until 5 simulated minutes after it succeeded.

Drift fault: before any page after the first (offset > 0), one protected VM is re-written and
moves to the end of the unsorted VM list, so plain offset paging skips or repeats a record.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simulator.emulator import (
    Refusal,
    Rendered,
    SimState,
    VendorStyle,
    drift_between_pages,
    endpoint,
    int_param,
    join_json,
    json_response,
)
from simulator.vendors import veeam_query as vq
from simulator.vendors import veeam_records as vr

NAME = "veeam"
PREFIX = "/veeam/api/v3"
USERNAME, PASSWORD = "vspc-api", "simvspc"
API_KEY = "vspc-simple-key-2f6c1d0b9a7e4f3d"
TOKEN_SECONDS = 3600
RESULT_SECONDS = 300
MAX_LIMIT = 500
# Error codes are not published per case; these numbers are stand-ins that stay stable.
CODE_ACCESS_DENIED, CODE_EXPIRED, CODE_BAD_QUERY, CODE_NOT_FOUND, CODE_SERVER = (
    1050,
    1051,
    1000,
    1040,
    5000,
)

Renderer = Callable[[SimState], Rendered]
LISTS: dict[str, tuple[str, dict[str, Renderer]]] = {  # path: (action name, expand: renderer)
    "/organizations/companies": (
        "GetCompanies",
        {
            "": lambda s: vr.render_companies(s, False),
            "Organization": lambda s: vr.render_companies(s, True),
        },
    ),
    "/infrastructure/backupServers": ("GetBackupServers", {"": vr.render_backup_servers}),
    "/infrastructure/backupServers/jobs": ("GetBackupServerJobs", {"": vr.render_jobs}),
    "/infrastructure/backupServers/repositories": (
        "GetBackupRepositories",
        {
            "": lambda s: vr.render_repositories(s, False),
            "BackupRepositoryInfo": lambda s: vr.render_repositories(s, True),
        },
    ),
    "/protectedWorkloads/virtualMachines": ("GetProtectedVirtualMachines", {"": vr.render_vms}),
    "/alarms/active": ("GetActiveAlarms", {"": vr.render_alarms}),
}


def error_body(message: str, type_: str, code: int) -> dict:
    return {"errors": [{"message": message, "type": type_, "code": code}]}


def server_error() -> Response:
    return json_response(
        error_body("An unexpected error occurred on the server.", "unspecified", CODE_SERVER), 520
    )


def rate_limited(hint: bool) -> Response:
    headers = {"Retry-After": "25"} if hint else None
    return json_response(
        {"errors": [{"type": "transport", "code": 429, "retryAfter": 25}]}, 429, headers
    )


def refuse(status: int, message: str, code: int, type_: str = "logical") -> Refusal:
    return Refusal(json_response(error_body(message, type_, code), status))


def oauth_error(error: str, description: str, status: int = 400) -> Response:
    return json_response(
        {"error": error, "error_description": description, "error_uri": None}, status
    )


@dataclass
class Session:
    """Tokens and async actions of one emulator process; counters keep them deterministic."""

    state: SimState
    issued: int = 0
    access: dict[str, int] = field(default_factory=dict)  # token -> clock when issued
    refresh: dict[str, str] = field(default_factory=dict)  # token -> user
    actions: dict[str, dict] = field(default_factory=dict)

    def secret(self, kind: str) -> str:
        self.issued += 1
        seed = self.state.world.spec.seed
        return hashlib.sha256(f"{seed}:{kind}:{self.issued}".encode()).hexdigest()

    def issue(self, user: str) -> dict:
        with self.state.lock:
            access, refresh = "vspc." + self.secret("access"), "vspcr." + self.secret("refresh")
            self.access[access] = self.state.world.clock
            self.refresh[refresh] = user
        return {
            "access_token": access,
            "token_type": "bearer",
            "refresh_token": refresh,
            "expires_in": TOKEN_SECONDS,
            "mfa_token": None,
            "encrypted_code": None,
        }

    def authenticate(self, request: Request) -> Response | None:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return json_response(
                error_body(
                    "Access denied: a bearer token is required.", "security", CODE_ACCESS_DENIED
                ),
                401,
            )
        if token == API_KEY:
            return None
        issued = self.access.get(token)
        if issued is None:
            return json_response(
                error_body(
                    "Access denied: the token is not valid.", "security", CODE_ACCESS_DENIED
                ),
                401,
            )
        if self.state.world.clock - issued >= TOKEN_SECONDS:
            return json_response(
                error_body("Access denied: the token has expired.", "security", CODE_EXPIRED), 401
            )
        return None


async def token(session: Session, request: Request) -> Response:
    if "application/x-www-form-urlencoded" not in request.headers.get("content-type", ""):
        return oauth_error("invalid_request", "The body must be form-encoded.")
    form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
    grant = form.get("grant_type")
    if grant == "password":
        if form.get("username") != USERNAME or form.get("password") != PASSWORD:
            # Unsure: VSPC may answer a wrong password with 401; the OAuth 400 is followed.
            return oauth_error("invalid_grant", "The user name or password is incorrect.")
        return json_response(session.issue(USERNAME))
    if grant == "refresh_token":
        with session.state.lock:
            user = session.refresh.pop(form.get("refresh_token", ""), None)
        if user is None:
            return oauth_error("invalid_grant", "The refresh token is not valid.")
        return json_response(session.issue(user))
    if grant is None:
        return oauth_error("invalid_request", "grant_type is required.")
    return oauth_error("unsupported_grant_type", f"grant_type {grant!r} is not supported here.")


def envelope(total: int, offset: int, parts: list[bytes]) -> bytes:
    meta = b'{"meta":{"pagingInfo":{"total":%d,"count":%d,"offset":%d}},"data":' % (
        total,
        len(parts),
        offset,
    )
    return meta + join_json(parts) + b',"errors":null}'


def list_body(data: Rendered, request: Request) -> tuple[bytes, int]:
    """Filter, sort, page and project one list; returns the body and the records in it."""
    q = request.query_params
    try:
        limit = int_param(request, "limit", 100, 1, MAX_LIMIT)
        offset = int_param(request, "offset", 0, 0, 10**9)
        known = set(data.records[0]) if data.records else None
        keep = vq.compile_filter(q["filter"], known) if q.get("filter") else None
        order = vq.compile_sort(q["sort"], known) if q.get("sort") else None
        select = vq.compile_select(q["select"]) if q.get("select") else None
    except ValueError as exc:
        raise refuse(400, str(exc), CODE_BAD_QUERY) from exc
    if keep is None and order is None:
        chosen = data.encoded[offset : offset + limit]
        total = len(data.encoded)
        if select:
            chosen = [
                orjson.dumps(vq.project(r, select)) for r in data.records[offset : offset + limit]
            ]
        return envelope(total, offset, chosen), len(chosen)
    pairs = list(zip(data.records, data.encoded, strict=True))
    if keep:
        pairs = [p for p in pairs if keep(p[0])]
    if order:
        vq.sort_pairs(pairs, order)
    page = pairs[offset : offset + limit]
    chosen = (
        [orjson.dumps(vq.project(r, select)) for r, _ in page] if select else [e for _, e in page]
    )
    return envelope(len(pairs), offset, chosen), len(chosen)


def single(record: dict) -> Response:
    return json_response({"meta": None, "data": record, "errors": None})


def routes(state: SimState) -> list[Route]:
    session = Session(state)
    vs = VendorStyle(NAME, server_error, rate_limited, session.authenticate)

    def ep(path, fn, methods=("GET",), authenticated=True):
        return Route(path, endpoint(state, vs, fn, authenticated), methods=list(methods))

    def rendered(path: str, expand: str = "") -> Rendered:
        renderers = LISTS[path][1]
        if expand not in renderers:
            raise refuse(
                400,
                f"expand: {expand!r} is not available here; expected one of "
                f"{sorted(k for k in renderers if k)}",
                CODE_BAD_QUERY,
            )
        return state.cached(NAME, f"{path}?{expand}", lambda: renderers[expand](state))

    def answer(request: Request, path: str, data: Rendered) -> Response:
        body, count = list_body(data, request)
        if request.headers.get("x-sim-async") == "1":
            return start_action(state, session, request, LISTS[path][0], body)
        return json_response(body, headers={"x-sim-records": str(count)})

    def drift(request: Request) -> None:
        # Any later page of any list: with the drift fault on, a VM is re-written meanwhile.
        if request.query_params.get("offset", "0") not in ("", "0"):
            drift_between_pages(state, NAME, lambda r: vr.touch_vm(state.world, r))

    def lister(path: str):
        async def handler(request: Request) -> Response:
            drift(request)
            return answer(request, path, rendered(path, request.query_params.get("expand", "")))

        return handler

    def per_server(path: str):
        async def handler(request: Request) -> Response:
            uid = request.path_params["uid"]
            drift(request)
            servers = rendered("/infrastructure/backupServers").records
            if not any(s["instanceUid"] == uid for s in servers):
                raise refuse(404, f"Backup server {uid} was not found.", CODE_NOT_FOUND)
            data = rendered(path, request.query_params.get("expand", ""))
            mine = [
                (r, e)
                for r, e in zip(data.records, data.encoded, strict=True)
                if r["backupServerUid"] == uid
            ]
            return answer(request, path, Rendered([r for r, _ in mine], [e for _, e in mine]))

        return handler

    def getter(path: str, what: str):
        async def handler(request: Request) -> Response:
            uid = request.path_params["uid"]
            data = rendered(path, request.query_params.get("expand", ""))
            found = next((r for r in data.records if r["instanceUid"] == uid), None)
            if found is None:
                raise refuse(404, f"{what} {uid} was not found.", CODE_NOT_FOUND)
            return single(found)

        return handler

    async def start(request: Request) -> Response:
        uid = request.path_params["uid"]
        with state.lock:
            job = next(
                (
                    j
                    for j in state.world.veeam_jobs
                    if j.uid == uid and j.created_at <= state.world.clock
                ),
                None,
            )
            if job is None:
                raise refuse(404, f"Backup job {uid} was not found.", CODE_NOT_FOUND)
            if any(started == state.world.clock for started, _, _ in job.runs):
                # Unsure: VSPC's answer to starting a job that is already running is not
                # documented; a logical 400 is the most likely.
                raise refuse(400, f"Backup job {uid} is already running.", CODE_BAD_QUERY)
            vr.start_job(state.world, job)
        return json_response({"data": {}, "meta": None, "errors": []})

    async def issue_token(request: Request) -> Response:
        return await token(session, request)

    jobs, servers = "/infrastructure/backupServers/jobs", "/infrastructure/backupServers"
    table = [ep("/token", issue_token, ("POST",), authenticated=False)]
    table += [ep(path, lister(path)) for path in LISTS]
    table += [
        ep(jobs + "/{uid}/start", start, ("POST",)),
        ep(jobs + "/{uid}", getter(jobs, "Backup job")),
        ep("/organizations/companies/{uid}", getter("/organizations/companies", "Company")),
        ep(servers + "/{uid}/jobs", per_server(jobs)),
        ep(servers + "/{uid}/repositories", per_server(servers + "/repositories")),
        ep(servers + "/{uid}", getter(servers, "Backup server")),
    ]
    from simulator.vendors import veeam_async

    return table + veeam_async.routes(state, session, ep)


def start_action(
    state: SimState, session: Session, request: Request, name: str, body: bytes
) -> Response:
    from simulator.vendors import veeam_async

    action = veeam_async.new_action(state, session, request, name, body)
    location = f"{request.url.scheme}://{request.url.netloc}{PREFIX}/asyncActions/{action['id']}"
    # Unsure: the body of the 202 is not shown in the spec; the action record is the likely one.
    return json_response(
        {"meta": None, "data": action, "errors": None}, 202, {"Location": location}
    )
