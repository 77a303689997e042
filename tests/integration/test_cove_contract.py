"""Cove Data Protection JSON-RPC emulator against the vendor's contract, over real HTTP.

Expected values come from the world's raw devices and runs, worked out here.
"""

from __future__ import annotations

import httpx
import pytest

from simulator.vendors import cove
from simulator.world import DAY

CODES = {"Success": "5", "Warning": "8", "Failed": "2", "Missed": "7"}
LOGIN = {"partner": cove.PARTNER, "username": cove.USERNAME, "password": cove.PASSWORD}


class Cove:
    """A minimal client: carries the newest visa forward, as real clients do."""

    def __init__(self, base: str):
        self.http = httpx.Client(base_url=base + cove.PREFIX, timeout=30)
        self.visa: str | None = None

    def raw(self, method: str, params: dict, visa: str | None = None) -> httpx.Response:
        body = {"jsonrpc": "2.0", "id": "jsonrpc", "method": method, "params": params}
        if visa or self.visa:
            body["visa"] = visa or self.visa
        return self.http.post("/jsonapi", json=body)

    def call(self, method: str, params: dict) -> dict:
        response = self.raw(method, params)
        assert response.status_code == 200, response.text
        body = response.json()
        assert "error" not in body, body
        assert body["visa"] != self.visa
        self.visa = body["visa"]
        return body["result"]

    def login(self) -> dict:
        self.visa = None
        return self.call("Login", LOGIN)

    def statistics(self, **query) -> list[dict]:
        query.setdefault("PartnerId", cove.ROOT_PARTNER_ID)
        return self.call("EnumerateAccountStatistics", {"query": query})["result"]

    def all_rows(self, size: int, **query) -> list[dict]:
        rows, start = [], 0
        while True:
            page = self.statistics(StartRecordNumber=start, RecordsCount=size, **query)
            rows += page
            start += size
            if len(page) < size:
                return rows


@pytest.fixture(scope="module")
def client(emulator):
    c = Cove(emulator[0])
    c.login()
    yield c
    c.http.close()


def settings(row: dict) -> dict[str, str]:
    flat = {}
    for item in row["Settings"]:
        assert len(item) == 1
        flat.update(item)
    return flat


def accounts(state) -> dict[int, object]:
    w = state.world
    return {
        d.cove_account_id: d
        for d in w.devices
        if d.cove_account_id is not None and d.created_at <= w.clock
    }


def cove_runs(state, device) -> list:
    w = state.world
    return sorted(
        (r for r in w.runs if r.device is device and r.product == "cove" and r.ended_at <= w.clock),
        key=lambda r: r.ended_at,
    )


def test_login_puts_the_visa_at_top_level(emulator):
    c = Cove(emulator[0])
    response = c.raw("Login", LOGIN)
    body = response.json()
    assert response.status_code == 200 and body["jsonrpc"] == "2.0" and body["id"] == "jsonrpc"
    assert body["result"]["result"]["PartnerId"] == cove.ROOT_PARTNER_ID
    assert isinstance(body["visa"], str) and "visa" not in body["result"]


@pytest.mark.parametrize(
    "change",
    [{"password": "wrong"}, {"username": "someone"}, {"partner": "Bluefin Managed Services"}],
)
def test_bad_login_is_refused_with_2100(emulator, change):
    response = Cove(emulator[0]).raw("Login", {**LOGIN, **change})
    assert response.status_code == 200
    body = response.json()
    assert body["error"]["data"] == 2100 and "visa" not in body and "result" not in body


@pytest.mark.parametrize("visa", [None, "2674700-1-1-0-FFFF"])
def test_calls_without_a_good_visa_are_refused(emulator, visa):
    c = Cove(emulator[0])
    response = c.raw("EnumeratePartners", {"parentPartnerId": cove.ROOT_PARTNER_ID}, visa)
    assert response.status_code == 200
    assert response.json()["error"] == {
        "code": -32603,
        "message": "Visa is inconsistent/corrupted.",
        "data": 1701,
    }


def test_partners_are_one_end_customer_per_tenant(client, emulator):
    _, state = emulator
    found = client.call(
        "EnumeratePartners", {"parentPartnerId": cove.ROOT_PARTNER_ID, "fetchRecursively": True}
    )["result"]
    assert sorted(p["Id"] for p in found) == sorted(t.cove_partner_id for t in state.world.tenants)
    assert {p["Level"] for p in found} == {"EndCustomer"}
    assert {p["ParentId"] for p in found} == {cove.ROOT_PARTNER_ID}


@pytest.mark.parametrize("size", [1, 7, 40, 500])
def test_paging_returns_every_account_once(client, emulator, size):
    _, state = emulator
    ids = [r["AccountId"] for r in client.all_rows(size, Columns=["I1"])]
    assert len(ids) == len(set(ids))
    assert sorted(ids) == sorted(accounts(state))


def test_a_customer_partner_sees_only_its_accounts(client, emulator):
    _, state = emulator
    tenant = next(
        t for t in state.world.tenants if any(d.tenant is t for d in accounts(state).values())
    )
    rows = client.statistics(PartnerId=tenant.cove_partner_id, Columns=["I8"])
    assert sorted(r["AccountId"] for r in rows) == sorted(
        i for i, d in accounts(state).items() if d.tenant is tenant
    )
    assert {settings(r)["I8"] for r in rows} == {tenant.name_in("cove")}


def test_settings_match_the_device_and_its_last_session(client, emulator):
    _, state = emulator
    asked = [
        "I0",
        "I1",
        "I18",
        "I8",
        "I16",
        "I32",
        "I59",
        "I78",
        "I14",
        "I4",
        "I6",
        "D09F00",
        "D9F00",
        "D09F15",
        "D09F09",
        "D09F08",
        "D09F06",
    ]
    rows = client.all_rows(500, Columns=asked)
    by_id = accounts(state)
    for row in rows:
        assert [next(iter(s)) for s in row["Settings"]] == asked
        values = settings(row)
        assert all(isinstance(v, str) for v in values.values())
        d = by_id[row["AccountId"]]
        runs = cove_runs(state, d)
        good = [r for r in runs if r.status == "Success"]
        assert (values["I0"], values["I1"], values["I18"], values["I8"], values["I16"]) == (
            str(d.cove_account_id),
            d.hostname.lower(),
            d.hostname,
            d.tenant.name_in("cove"),
            d.os_name,
        )
        is_server = d.kind == "server"
        assert (values["I32"], values["I59"], values["I78"]) == (
            "2" if is_server else "1",
            "1",
            "D01D02" if is_server else "D01",
        )
        assert values["D09F00"] == values["D9F00"] == (CODES[runs[-1].status] if runs else "")
        assert values["D09F15"] == (str(runs[-1].started_at) if runs else "")
        assert values["D09F09"] == (str(good[-1].started_at) if good else "")
        assert len(values["D09F08"]) == 28 and int(values["I14"]) > 0
        assert values["D09F06"] == "0" or runs[-1].status in ("Failed", "Warning")
    assert {settings(r)["D09F00"] for r in rows} >= {"5"}


def test_colour_bar_has_one_character_per_day(client, emulator):
    _, state = emulator
    today = state.world.clock // DAY
    for row in client.all_rows(500, Columns=["D09F08"]):
        expected = ["0"] * 28
        for r in cove_runs(state, accounts(state)[row["AccountId"]]):  # in end order
            if 0 <= today - r.ended_at // DAY < 28:  # dated by the UTC day the session ended
                expected[27 - (today - r.ended_at // DAY)] = CODES[r.status]
        assert settings(row)["D09F08"] == "".join(expected)


@pytest.mark.parametrize(
    "text, keep",
    [
        ("AT == 1", lambda d, runs, at: True),
        ("OT == 2", lambda d, runs, at: d.kind == "server"),
        ("I32 == 1", lambda d, runs, at: d.kind == "workstation"),
        ("I78 =~ '*D02*'", lambda d, runs, at: d.kind == "server"),
        ("AP =~ '*d01*'", lambda d, runs, at: True),
        (
            "TS > 2.days().ago()",
            lambda d, runs, at: any(
                r.status != "Missed" and r.ended_at > at - 2 * DAY for r in runs
            ),
        ),
        (
            "OT == 2 or D09F00 == 2",
            lambda d, runs, at: d.kind == "server" or (runs and runs[-1].status == "Failed"),
        ),
        (
            "OT == 1 and not (D9F00 == 5)",
            lambda d, runs, at: (
                d.kind == "workstation" and not (runs and runs[-1].status == "Success")
            ),
        ),
        ("(I1 =~ '*-ws-00?') AND AT == 1", lambda d, runs, at: "-WS-00" in d.hostname),
    ],
)
def test_filters_mean_what_cove_means(client, emulator, text, keep):
    _, state = emulator
    at = state.world.clock
    found = sorted(r["AccountId"] for r in client.statistics(Filter=text, Columns=["I1"]))
    expected = sorted(i for i, d in accounts(state).items() if keep(d, cove_runs(state, d), at))
    assert found == expected
    assert expected or text.startswith("OT == 1 and")


def test_ts_filter_takes_unix_seconds(client, emulator):
    _, state = emulator
    cut = state.world.clock - DAY
    found = client.statistics(Filter=f"TS > {cut}", Columns=["I6"])
    assert found and all(int(settings(r)["I6"]) > cut for r in found)
    assert len(found) < len(accounts(state))


@pytest.mark.parametrize("text", ["AT = 1", "NOPE == 1", "AT == 1 and", "(OT == 2"])
def test_a_bad_filter_is_a_json_rpc_error_naming_it(client, text):
    response = client.raw(
        "EnumerateAccountStatistics",
        {"query": {"PartnerId": cove.ROOT_PARTNER_ID, "Filter": text, "Columns": ["I1"]}},
    )
    assert response.status_code == 200
    error = response.json()["error"]
    assert isinstance(error["code"], int) and text in error["message"]


def test_order_by_and_totals(client, emulator):
    _, state = emulator
    rows = client.statistics(OrderBy="I1 DESC", Columns=["I1", "I14"])
    names = [settings(r)["I1"] for r in rows]
    assert names == sorted(names, reverse=True)
    result = client.call(
        "EnumerateAccountStatistics",
        {
            "query": {
                "PartnerId": cove.ROOT_PARTNER_ID,
                "Columns": ["I1"],
                "RecordsCount": 1,
                "Totals": ["COUNT(OT==2)", "SUM(US)"],
            }
        },
    )
    servers = sum(1 for d in accounts(state).values() if d.kind == "server")
    assert result["totalStatistics"] == {
        "COUNT(OT==2)": str(servers),
        "SUM(US)": str(sum(int(settings(r)["I14"]) for r in rows)),
    }
    assert len(result["result"]) == 1


def test_every_answer_brings_a_new_visa_and_old_ones_expire(emulator):
    base, state = emulator
    c = Cove(base)
    c.login()
    first = c.visa
    c.call("EnumeratePartners", {"parentPartnerId": cove.ROOT_PARTNER_ID})
    assert c.visa != first
    assert httpx.post(base + "/_sim/advance", params={"seconds": 14 * 60}).status_code == 200
    c.call("EnumeratePartners", {"parentPartnerId": cove.ROOT_PARTNER_ID})
    assert httpx.post(base + "/_sim/advance", params={"seconds": 16 * 60}).status_code == 200
    stale = c.raw("EnumeratePartners", {"parentPartnerId": cove.ROOT_PARTNER_ID})
    assert stale.json()["error"]["data"] == 1701
    c.login()
    assert c.call("EnumeratePartners", {"parentPartnerId": cove.ROOT_PARTNER_ID})["result"]


def test_rate_limit_answers_429_with_a_json_rpc_body(client, emulator):
    _, state = emulator
    state.set_faults(cove.NAME, {"rate_limit_every": 1})
    try:
        response = client.raw("EnumeratePartners", {"parentPartnerId": cove.ROOT_PARTNER_ID})
    finally:
        state.set_faults(cove.NAME, {})
    assert response.status_code == 429 and response.headers["retry-after"] == "5"
    assert response.json()["error"]["data"] == 429
    client.login()
    assert client.statistics(Columns=["I1"])


def test_server_errors_have_a_plain_body(client, emulator):
    base, _ = emulator
    httpx.post(base + "/_sim/faults", json={"cove": {"error_rate": 1.0, "error_burst": 1}})
    try:
        response = client.raw("EnumeratePartners", {"parentPartnerId": cove.ROOT_PARTNER_ID})
    finally:
        httpx.post(base + "/_sim/faults", json={"cove": {}})
    assert response.status_code == 500
    assert response.headers["content-type"].startswith("text/plain")
    client.login()


def test_a_day_later_accounts_show_the_next_session(client, emulator):
    base, state = emulator
    client.login()
    assert httpx.post(base + "/_sim/advance", params={"hours": 24}).status_code == 200
    client.login()
    at = state.world.clock
    rows = client.all_rows(500, Columns=["D09F15", "D09F00"])
    by_id = accounts(state)
    fresh = 0
    for row in rows:
        runs = cove_runs(state, by_id[row["AccountId"]])
        values = settings(row)
        assert values["D09F15"] == (str(runs[-1].started_at) if runs else "")
        fresh += bool(runs) and runs[-1].started_at > at - DAY
    assert fresh > len(rows) // 2


def test_accounts_list_and_foreign_partners(client, emulator):
    _, state = emulator
    listed = client.call("EnumerateAccounts", {"partnerId": cove.ROOT_PARTNER_ID})["result"]
    assert sorted(a["Id"] for a in listed) == sorted(accounts(state))
    refused = client.raw("EnumerateAccountStatistics", {"query": {"PartnerId": 12345}})
    assert refused.json()["error"]["data"] == 13501


def test_same_seed_gives_identical_answers(emulator):
    from simulator.server import running

    def fingerprint() -> list[bytes]:
        with running(emulator[1].world.spec) as (base, _):
            c = Cove(base)
            c.login()
            return [
                c.raw(
                    "EnumerateAccountStatistics",
                    {
                        "query": {
                            "PartnerId": cove.ROOT_PARTNER_ID,
                            "Columns": ["I1", "D09F00", "D09F08"],
                        }
                    },
                ).content
                for _ in range(2)
            ]

    assert fingerprint() == fingerprint()


def test_drift_shifts_plain_paging_and_ordered_paging_survives(client, emulator):
    _, state = emulator
    expected = sorted(accounts(state))
    version = state.world.version
    state.set_faults(cove.NAME, {"drift": True})
    try:
        plain = [r["AccountId"] for r in client.all_rows(10, Columns=["I1"])]
        ordered = [r["AccountId"] for r in client.all_rows(10, Columns=["I1"], OrderBy="I0 ASC")]
    finally:
        state.set_faults(cove.NAME, {})

    touched = [d for d in state.world.devices if d.touched_at.get("cove")]
    assert touched and state.world.version > version
    # Re-written accounts moved behind the pages already read: some came twice, some never.
    assert len(plain) == len(expected)
    assert len(set(plain)) < len(plain) and set(expected) - set(plain)
    assert ordered == expected
