"""Cove JSON-RPC methods after Login: partners, accounts and account statistics."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass

import orjson

from simulator.emulator import SimState, drift_between_pages, join_json
from simulator.vendors import cove_columns as cc
from simulator.vendors.cove import NAME, NOT_ALLOWED, PARTNER, ROOT_PARTNER_ID, RpcError
from simulator.world import Tenant, World

Method = Callable[[dict], tuple[bytes, int]]
MODES = {"Undefined", "Merged", "PerInstallation", "Count"}
TOTAL = re.compile(r"^\s*(COUNT|SUM|MAX|MIN)\s*\((.*)\)\s*$", re.IGNORECASE)


@dataclass
class Account:
    id: int
    partner_id: int
    flags: list[str] | None
    values: dict[str, str]


def build_accounts(world: World) -> list[Account]:
    at, runs = world.clock, {}
    for run in world.runs:
        if run.product == "cove" and run.ended_at <= at:
            runs.setdefault(run.device.key, []).append(run)
    accounts = []
    for d in world.devices:
        if d.cove_account_id is None or d.created_at > at:
            continue
        history = sorted(runs.get(d.key, []), key=lambda r: (r.ended_at, r.started_at))
        accounts.append(
            Account(
                d.cove_account_id,
                d.tenant.cove_partner_id,
                ["AutoDeployed"] if d.kind == "workstation" else None,
                cc.device_values(d, history, at),
            )
        )
    # Without OrderBy rows come in the order accounts were last written: by id, except that an
    # account re-written while a client pages (the drift fault) moves to the end.
    touched = {d.cove_account_id: d.touched_at.get("cove", 0) for d in world.devices}
    accounts.sort(key=lambda a: (touched[a.id], a.id))
    return accounts


def touch_account(world: World, r: random.Random) -> None:
    """Drift: one account's statistics are re-written (a backup client reported in)."""
    live = [
        d for d in world.devices if d.cove_account_id is not None and d.created_at <= world.clock
    ]
    if live:
        live[r.randrange(len(live))].touched_at["cove"] = world.clock


def partner_record(world: World, tenant: Tenant) -> dict:
    city, region, zip_code = tenant.city
    return {
        "Id": tenant.cove_partner_id,
        "Name": tenant.name_in("cove"),
        "Level": "EndCustomer",
        "ParentId": ROOT_PARTNER_ID,
        "LocationId": 1,
        "ServiceType": "AllInclusive",
        "ChildServiceTypes": None,
        "State": "InProduction",
        "Company": {
            "PostAddress": {
                "Address": tenant.street,
                "City": city,
                "Country": "United States",
                "District": None,
                "State": region,
                "ZipCode": zip_code,
            },
            "LegalCompanyName": tenant.name,
            "PhoneNumber": "5550100",
        },
        "ExternalPartnerProperties": None,
        "ExternalCode": tenant.identifier,
        "CreationTime": tenant.created_at,
        "Guid": f"{tenant.cove_partner_id:032x}",
        "Flags": None,
    }


def root_record(world: World) -> dict:
    # Unsure: the level of an MSP under N-able is taken to be Reseller.
    return {
        "Id": ROOT_PARTNER_ID,
        "Name": PARTNER,
        "Level": "Reseller",
        "ParentId": 1,
        "LocationId": 1,
        "ServiceType": "AllInclusive",
        "ChildServiceTypes": ["AllInclusive"],
        "State": "InProduction",
        "Company": None,
        "ExternalPartnerProperties": None,
        "ExternalCode": "BluefinMSP",
        "CreationTime": world.spec.start - 3000 * 86_400,
        "Guid": f"{ROOT_PARTNER_ID:032x}",
        "Flags": None,
    }


def require_int(params: dict, name: str) -> int:
    value = params.get(name)
    if not isinstance(value, int) or isinstance(value, bool):
        raise RpcError(-32602, f"Invalid params: {name} must be an integer, got {value!r}")
    return value


def partner_ids(world: World, partner_id: int) -> set[int]:
    """The partner and every partner below it that this API user may read."""
    tenants = {t.cove_partner_id for t in world.tenants}
    if partner_id == ROOT_PARTNER_ID:
        return tenants | {ROOT_PARTNER_ID}
    if partner_id in tenants:
        return {partner_id}
    raise RpcError(*NOT_ALLOWED)


def methods(state: SimState) -> dict[str, Method]:
    world = state.world

    def accounts() -> list[Account]:
        return state.cached(NAME, "accounts", lambda: build_accounts(world))

    def partner_info(params: dict) -> tuple[bytes, int]:
        wanted = params.get("name")
        found = [root_record(world)] + [partner_record(world, t) for t in world.tenants]
        match = next((p for p in found if p["Name"] == wanted), None)
        if match is None:
            raise RpcError(-32603, f"Partner {wanted!r} was not found", 2000)
        return orjson.dumps({"result": match}), 1

    def partners(params: dict) -> tuple[bytes, int]:
        parent = require_int(params, "parentPartnerId")
        partner_ids(world, parent)
        # Unsure: `fields` selects members by number and the numbering is not published; every
        # member is returned whatever it asks.
        found = (
            [partner_record(world, t) for t in world.tenants] if parent == ROOT_PARTNER_ID else []
        )
        return orjson.dumps({"result": found}), len(found)

    def account_list(params: dict) -> tuple[bytes, int]:
        scope = partner_ids(world, require_int(params, "partnerId"))
        found = [
            {
                "Id": a.id,
                "Name": a.values["I1"],
                "PartnerId": a.partner_id,
                "CreationTime": int(a.values["I4"]),
                "Flags": a.flags,
            }
            for a in accounts()
            if a.partner_id in scope
        ]
        return orjson.dumps({"result": found}), len(found)

    def statistics(params: dict) -> tuple[bytes, int]:
        query = params.get("query")
        if not isinstance(query, dict):
            raise RpcError(-32602, "Invalid params: query must be an object")
        if query.get("StartRecordNumber"):  # a later page: with drift, an account moves
            drift_between_pages(state, NAME, lambda r: touch_account(world, r))
        return account_statistics(state, accounts(), query)

    return {
        "GetPartnerInfo": partner_info,
        "EnumeratePartners": partners,
        "EnumerateAccounts": account_list,
        "EnumerateAccountStatistics": statistics,
    }


def account_statistics(state: SimState, accounts: list[Account], query: dict) -> tuple[bytes, int]:
    world = state.world
    scope = partner_ids(world, require_int(query, "PartnerId"))
    scope -= set(query.get("ExcludedPartners") or [])
    mode = query.get("SelectionMode", "Merged")
    if mode not in MODES:
        raise RpcError(
            -32602, f"Invalid params: SelectionMode {mode!r}; expected one of {sorted(MODES)}"
        )
    # Unsure: which columns come back when none are asked is not documented; the name is given.
    columns = tuple(query.get("Columns") or ["I1"])
    try:
        canon = [cc.canonical(str(c)) for c in columns]
    except cc.ColumnError as exc:
        raise RpcError(-32602, f"Invalid params: {exc}") from None
    text, order = query.get("Filter") or "", query.get("OrderBy") or ""
    keep, keys = compile_filter(text, world.clock), parse_order(order)

    def select() -> list[int]:
        chosen = [i for i, a in enumerate(accounts) if a.partner_id in scope and keep(a.values)]
        for column, descending in reversed(keys):
            chosen.sort(
                key=lambda i, c=column: order_key(accounts[i].values[c], c), reverse=descending
            )
        return chosen

    # Paging asks the same query again and again; the matching rows are kept per world version.
    chosen = state.cached(NAME, repr(("select", sorted(scope), text, order)), select)
    totals = totals_of([accounts[i] for i in chosen], query.get("Totals"), world.clock)
    start = require_int(query, "StartRecordNumber") if "StartRecordNumber" in query else 0
    count = require_int(query, "RecordsCount") if "RecordsCount" in query else None
    if start < 0 or (count is not None and count < 0):
        raise RpcError(-32602, "Invalid params: StartRecordNumber and RecordsCount must be >= 0")
    page = chosen[start:] if count is None else chosen[start : start + count]
    if mode == "Count":
        page = []
    encoded = state.cached(
        NAME,
        "rows\x00" + "\x00".join(columns),
        lambda: [encode_row(a, columns, canon) for a in accounts],
    )
    body = (
        b'{"result":'
        + join_json([encoded[i] for i in page])
        + b',"totalStatistics":'
        + orjson.dumps(totals)
        + b"}"
    )
    return body, len(page)


def encode_row(account: Account, columns: tuple, canon: list[str]) -> bytes:
    return orjson.dumps(
        {
            "AccountId": account.id,
            "PartnerId": account.partner_id,
            "Flags": account.flags,
            "Settings": [
                {asked: account.values[code]} for asked, code in zip(columns, canon, strict=True)
            ],
        }
    )


def compile_filter(text: str, at: int) -> cc.Predicate:
    if not text.strip():
        return lambda values: True
    try:
        return cc.compile_filter(text, at)
    except cc.FilterError as exc:
        raise RpcError(-32602, f"Invalid filter {text!r}: {exc}") from None


def parse_order(text: str) -> list[tuple[str, bool]]:
    keys = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        words = part.split()
        if len(words) > 2 or (len(words) == 2 and words[1].upper() not in ("ASC", "DESC")):
            raise RpcError(-32602, f"Invalid OrderBy {text!r}: expected `column [ASC|DESC]`")
        try:
            column = cc.canonical(words[0])
        except cc.ColumnError as exc:
            raise RpcError(-32602, f"Invalid OrderBy {text!r}: {exc}") from None
        keys.append((column, len(words) == 2 and words[1].upper() == "DESC"))
    return keys


def order_key(value: str, column: str) -> tuple:
    if column not in cc.TEXT_COLUMNS:
        number = cc.number(value) if value else None
        return (number is None, number or 0.0, value)
    return (False, 0.0, value.lower())


def totals_of(accounts: list[Account], asked: object, at: int) -> dict | None:
    # Unsure: the shape of totalStatistics is not shown; an object keyed by each expression as
    # asked, with string values like the Settings, is assumed.
    if not asked:
        return None
    out = {}
    for expression in asked:
        m = TOTAL.match(str(expression))
        if not m:
            raise RpcError(
                -32602,
                f"Invalid Totals {expression!r}: expected COUNT(filter) or SUM/MAX/MIN(column)",
            )
        function, inner = m.group(1).upper(), m.group(2).strip()
        if function == "COUNT":
            keep = compile_filter("" if inner in ("", "*") else inner, at)
            out[expression] = str(sum(1 for a in accounts if keep(a.values)))
            continue
        try:
            column = cc.canonical(inner)
        except cc.ColumnError as exc:
            raise RpcError(-32602, f"Invalid Totals {expression!r}: {exc}") from None
        numbers = [n for a in accounts if (n := cc.number(a.values[column] or "x")) is not None]
        value = {"SUM": sum, "MAX": max, "MIN": min}[function](numbers) if numbers else 0
        out[expression] = str(int(value) if float(value).is_integer() else value)
    return out
