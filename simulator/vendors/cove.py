"""Cove Data Protection (N-able Backup) JSON-RPC emulator: Login, GetPartnerInfo,
EnumeratePartners, EnumerateAccounts and EnumerateAccountStatistics.

One endpoint: POST /cove/jsonapi (the real one is https://api.backup.management/jsonapi, so the
base URL to swap is /cove). The prefix is /cove rather than /cove/jsonapi because a mount
cannot answer its own bare path without a redirect, which JSON-RPC clients do not follow.

Login with PARTNER / USERNAME / PASSWORD gives a top-level `visa`; every later call carries a
visa at the top level and every answer returns a new one. A visa expires 15 simulated minutes
after its last use; older visas stay valid until then.

Drift fault: before any EnumerateAccountStatistics page after the first (StartRecordNumber > 0)
one account is re-written and moves to the end of the rows returned without OrderBy, so plain
StartRecordNumber paging skips or repeats an account.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from simulator.emulator import SimState, VendorStyle, endpoint, json_response

NAME = "cove"
PREFIX = "/cove"
PARTNER = "Bluefin Managed Services (noc@bluefin-msp.test)"
USERNAME, PASSWORD = "api-sim", "simcove-token"
ROOT_PARTNER_ID = 2_674_700
VISA_SECONDS = 900
BAD_VISA = (-32603, "Visa is inconsistent/corrupted.", 1701)
BAD_LOGIN = (-32603, "Login failed: unknown partner, user name or password.", 2100)
NOT_ALLOWED = (-32603, "Operation failed because of security reasons", 13501)


class RpcError(Exception):
    def __init__(self, code: int, message: str, data: int | None = None):
        super().__init__(message)
        self.code, self.message, self.data = code, message, data


def server_error() -> Response:
    return Response(b"Internal Server Error", 500, media_type="text/plain")


def rate_limited(hint: bool) -> Response:
    # Unsure: Cove publishes no rate limit; a throttling proxy answering 429 with a JSON-RPC
    # error body is assumed.
    body = {
        "jsonrpc": "2.0",
        "id": None,
        "error": {"code": -32000, "message": "Too many requests", "data": 429},
    }
    return json_response(body, 429, {"Retry-After": "5"} if hint else None)


def rpc_error(id_: object, code: int, message: str, data: int | None) -> Response:
    # Unsure: errors are assumed to come with HTTP 200, as JSON-RPC over HTTP usually does.
    return json_response(
        {"jsonrpc": "2.0", "id": id_, "error": {"code": code, "message": message, "data": data}}
    )


@dataclass
class Visas:
    state: SimState
    issued: int = 0
    last_use: dict[str, int] = field(default_factory=dict)

    def issue(self) -> str:
        clock = self.state.world.clock
        with self.state.lock:
            self.issued += 1
            if len(self.last_use) > 10_000:
                self.last_use = {
                    v: t for v, t in self.last_use.items() if clock - t <= VISA_SECONDS
                }
            secret = hashlib.sha256(f"{self.state.world.spec.seed}:visa:{self.issued}".encode())
            visa = f"{ROOT_PARTNER_ID}-{self.issued}-1-{clock}-{secret.hexdigest()[:32].upper()}"
            self.last_use[visa] = clock
        return visa

    def use(self, visa: object) -> None:
        clock = self.state.world.clock
        with self.state.lock:
            last = self.last_use.get(visa) if isinstance(visa, str) else None
            if last is None or clock - last > VISA_SECONDS:
                raise RpcError(*BAD_VISA)
            self.last_use[visa] = clock


def login(params: dict) -> bytes:
    if (params.get("partner"), params.get("username"), params.get("password")) != (
        PARTNER,
        USERNAME,
        PASSWORD,
    ):
        raise RpcError(*BAD_LOGIN)
    return orjson.dumps(
        {
            "result": {
                "PartnerId": ROOT_PARTNER_ID,
                "Name": USERNAME,
                "EmailAddress": "noc@bluefin-msp.test",
                "Flags": ["SecurityOfficer", "NonInteractive"],
            }
        }
    )


def answer(id_: object, result: bytes, visa: str, records: int) -> Response:
    body = (
        b'{"id":'
        + orjson.dumps(id_)
        + b',"jsonrpc":"2.0","result":'
        + result
        + b',"visa":"'
        + visa.encode()
        + b'"}'
    )
    return json_response(body, headers={"x-sim-records": str(records)})


def routes(state: SimState) -> list[Route]:
    visas = Visas(state)

    def authenticate(request: Request) -> Response | None:
        return None  # the visa travels in the body; each method checks it

    from simulator.vendors import cove_query

    style = VendorStyle(NAME, server_error, rate_limited, authenticate)
    methods = cove_query.methods(state)

    async def jsonapi(request: Request) -> Response:
        try:
            message = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return rpc_error(None, -32700, "Parse error", None)
        if (
            not isinstance(message, dict)
            or message.get("jsonrpc") != "2.0"
            or not isinstance(message.get("method"), str)
        ):
            return rpc_error(None, -32600, "Invalid Request", None)
        id_, method = message.get("id"), message["method"]
        params = message.get("params") or {}
        try:
            if not isinstance(params, dict):
                raise RpcError(-32602, "Invalid params: expected an object")
            if method == "Login":
                result, records = login(params), 0
            elif method in methods:
                visas.use(message.get("visa"))
                result, records = methods[method](params)
            else:
                raise RpcError(-32601, f"Method not found: {method}")
        except RpcError as exc:
            return rpc_error(id_, exc.code, exc.message, exc.data)
        return answer(id_, result, visas.issue(), records)

    return [
        Route("/jsonapi", endpoint(state, style, jsonapi, authenticated=False), methods=["POST"])
    ]
