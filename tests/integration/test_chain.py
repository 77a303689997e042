"""The whole chain on the default world, three times: a first load, a load under injected
faults after upstream deletes and merges, then a clean incremental load, with a reader
querying the published warehouse all along. The marts must equal the simulator's truth."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

import duckdb
import httpx
import pytest

from checks.identity import score
from simulator import truth
from simulator.server import running
from simulator.world import DAY, HOUR, WorldSpec
from tests.integration.pipeline import failed_steps, pipeline_environment, run_full_job

SPEC = WorldSpec()
FAULTS = {
    "error_rate": 0.1,
    "error_burst": 2,
    "rate_limit_every": 11,
    "rate_limit_storm": 2,
    "truncate_rate": 0.05,
    "drift": True,
}


class Reader(threading.Thread):
    """Queries the serving file in a loop, as a dashboard would, counting errors."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.path, self.queries, self.errors = path, 0, []
        self.stopping = threading.Event()

    def run(self) -> None:
        while not self.stopping.is_set():
            try:
                with duckdb.connect(str(self.path), read_only=True) as con:
                    con.execute(
                        "select count(*), sum(health_score)::double "
                        "from marts.kpi_tenant_health_daily"
                    ).fetchall()
                self.queries += 1
            except Exception as exc:  # every failure is the finding, whatever its type
                self.errors.append(repr(exc))
            time.sleep(0.05)


@dataclass
class Chain:
    env: object
    state: object
    runs: dict = field(default_factory=dict)
    logs: dict = field(default_factory=dict)
    reader: Reader | None = None
    deleted_ticket: int = 0
    merged_ticket: int = 0
    sync_days: list = field(default_factory=list)


def upstream_delete_and_merge(state) -> tuple[int, int]:
    """A technician deletes one ticket and merges another into its neighbour."""
    world = state.world
    with state.lock:
        live = [
            t
            for t in world.tickets
            if t.board == "Help Desk"
            and t.merged_into is None
            and t.entered_at <= world.clock
            and t.deleted_at is None
        ]
        deleted, merged, parent = live[-1], live[-2], live[-3]
        deleted.deleted_at = world.clock
        merged.merged_into, merged.merged_at = parent.id, world.clock
        merged.resolved_at = merged.closed_at = world.clock
        world.touch()
    return deleted.id, merged.id


def advance(base: str, hours: int) -> None:
    assert httpx.post(f"{base}/_sim/advance", params={"hours": hours}).status_code == 200


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    with running(SPEC) as (base, state):
        data_dir = str(tmp_path_factory.mktemp("data"))
        with pipeline_environment(base, data_dir) as env:
            result = Chain(env, state)
            advance(base, 6)  # sync at 06:00 UTC, after every nightly backup has ended

            for name in ("first", "faulted", "incremental"):
                if name == "faulted":
                    result.deleted_ticket, result.merged_ticket = upstream_delete_and_merge(state)
                    advance(base, 24)
                    for vendor in state.vendors:
                        state.set_faults(vendor, FAULTS)
                    result.reader = Reader(env.serving_path)
                    result.reader.start()
                if name == "incremental":
                    advance(base, 24)
                result.sync_days.append(datetime.fromtimestamp(state.world.clock, UTC).date())
                seq = len(state.log)
                result.runs[name] = run_full_job(env)
                result.logs[name] = state.log[seq:]
                for vendor in state.vendors:
                    state.set_faults(vendor, {})

            result.reader.stopping.set()
            result.reader.join(timeout=10)
            yield result


def marts(chain: Chain) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"attach '{chain.env.serving_path}' as wh (read_only)")
    world = chain.state.world
    con.register("truth_kpi", truth.kpi_daily(world))
    con.register("truth_tenants", truth.tenants(world))
    return con


def test_every_run_succeeds(chain):
    for name, (_, result, seconds) in chain.runs.items():
        print(f"\n{name} run: {seconds:.1f} s")
        assert result.success, f"{name} run failed steps: {failed_steps(result)}"


def test_faults_really_happened_during_the_faulted_run(chain):
    statuses = [r["status"] for r in chain.logs["faulted"]]
    assert statuses.count(429) + statuses.count(403) >= 5
    assert sum(1 for s in statuses if s >= 500) >= 3


def test_reader_never_failed_while_the_pipeline_wrote(chain):
    reader = chain.reader
    print(f"\nreader: {reader.queries} queries, {len(reader.errors)} errors")
    assert reader.errors == []
    assert reader.queries >= 50


def test_incremental_run_fetches_only_what_changed(chain):
    log = chain.logs["incremental"]
    tickets = [
        r for r in log if r["path"].endswith("/service/tickets") and "fields=id" not in r["query"]
    ]
    live = sum(
        1
        for t in chain.state.world.tickets
        if t.entered_at <= chain.state.world.clock and t.deleted_at is None
    )
    fetched = sum(r["records"] for r in tickets)
    print(f"\nincremental run: {fetched} of {live} tickets fetched")
    assert tickets and all("conditions=" in r["query"] for r in tickets)
    assert 0 < fetched < live * 0.2
    threats = [r for r in log if r["path"].endswith("/threats")]
    assert threats and all("updatedAt__gt" in r["query"] for r in threats)
    devices = [
        r
        for r in log
        if r["path"].endswith("/inventory/device/info") and "modifiedAfter" in r["query"]
    ]  # the rest is the live-id snapshot
    assert devices


def test_ticket_kpis_equal_the_truth_every_day(chain):
    rows = (
        marts(chain)
        .sql("""
        with truth as (
            select t.cw_company_id as company_id, k.*
            from truth_kpi as k inner join truth_tenants as t using (tenant_key)
        )
        select
            count(*) as days,
            count(*) filter (where coalesce(m.tickets_opened, 0) <> coalesce(t.tickets_opened, 0)),
            count(*) filter (where coalesce(m.tickets_resolved, 0)
                             <> coalesce(t.tickets_resolved, 0)),
            count(*) filter (where coalesce(m.tickets_resolved_in_sla, 0)
                             <> coalesce(t.tickets_resolved_in_sla, 0)),
            sum(m.tickets_opened)::int
        from truth as t
        full outer join wh.marts.kpi_sla_daily as m using (company_id, kpi_date)
    """)
        .fetchone()
    )
    print(f"\nticket KPIs: {rows[0]} tenant-days, {rows[4]} tickets opened in the mart")
    assert rows[1:4] == (0, 0, 0)
    assert rows[4] > 3000


def test_backup_success_equals_the_truth_on_days_the_pipeline_watched(chain):
    watched = chain.sync_days[:2]  # every run ending on these days was seen by a later sync
    rows = (
        marts(chain)
        .execute(
            """
        with truth as (
            select t.cw_company_id as company_id, k.*
            from truth_kpi as k inner join truth_tenants as t using (tenant_key)
            where k.kpi_date in (?, ?)
        ),
        mart as (select * from wh.marts.kpi_backup_daily where kpi_date in (?, ?))
        select
            count(*),
            count(*) filter (where coalesce(m.backup_runs, 0) <> coalesce(t.backup_runs, 0)),
            count(*) filter (where coalesce(m.backup_runs_succeeded, 0)
                             <> coalesce(t.backup_runs_succeeded, 0)),
            count(*) filter (where m.backup_success_rate is distinct from t.backup_success_rate),
            sum(t.backup_runs)::int
        from truth as t full outer join mart as m using (company_id, kpi_date)
    """,
            [*watched, *watched],
        )
        .fetchone()
    )
    print(f"\nbackup KPIs on {watched}: {rows[0]} tenant-days, {rows[4]} runs")
    assert rows[1:4] == (0, 0, 0)
    assert rows[4] > 500


def test_no_duplicates_and_upstream_deletes_and_merges_show(chain):
    world = chain.state.world
    con = marts(chain)
    ids = [r[0] for r in con.sql("select ticket_id from wh.marts.fct_tickets").fetchall()]
    live = {
        t.id
        for t in world.tickets
        if t.entered_at <= world.clock and (t.deleted_at is None or t.deleted_at > world.clock)
    }
    assert len(ids) == len(set(ids))
    assert set(ids) == live
    assert chain.deleted_ticket not in set(ids)
    merged = con.execute(
        "select is_merged, is_service_ticket from wh.marts.fct_tickets where ticket_id = ?",
        [chain.merged_ticket],
    ).fetchone()
    assert merged == (True, False)


def test_identity_resolution_reaches_the_target(chain):
    resolved = (
        marts(chain)
        .sql("select vendor, record_id, device_id from wh.marts.dim_device_records")
        .arrow()
    )
    result = score(resolved, truth.device_identities(chain.state.world))
    print(f"\n{result}")
    assert result.records > 2500
    assert result.precision >= 0.98 and result.recall >= 0.98


def test_clock_moved_two_days_between_first_and_last_sync(chain):
    first, _, last = chain.sync_days
    assert (last - first).days == 2
    assert chain.state.world.clock == SPEC.now + 6 * HOUR + 2 * DAY
