"""The whole Dagster graph against the emulator: every vendor to the lake, dbt build with its
tests as asset checks, and the publish of serving.duckdb, executed in-process as one job."""

from __future__ import annotations

import dagster as dg
import duckdb
import pytest

from orchestration.ingest import registered_vendors
from simulator.vendors import connectwise as cw
from tests.integration.pipeline import failed_steps, pipeline_environment, run_full_job


@pytest.fixture(scope="module")
def pipeline_run(emulator, tmp_path_factory):
    """One run of the full job, every registered vendor, in a temporary data folder, against
    the module's emulator."""
    base_url, state = emulator
    with pipeline_environment(base_url, str(tmp_path_factory.mktemp("data"))) as env:
        defs, result, _ = run_full_job(env)
        yield env, defs, result, state


def materializable_keys(defs: dg.Definitions) -> set[dg.AssetKey]:
    graph = defs.resolve_asset_graph()
    return {key for key in graph.get_all_asset_keys() if graph.get(key).is_materializable}


def test_every_asset_materializes_and_every_check_passes(pipeline_run):
    env, defs, result, _ = pipeline_run
    expected_checks = defs.resolve_asset_graph().asset_check_keys

    materialized = {event.asset_key for event in result.get_asset_materialization_events()}
    checks = result.get_asset_check_evaluations()
    failed = [(c.asset_key.to_user_string(), c.check_name) for c in checks if not c.passed]
    print(
        f"\n{len(materialized)} assets materialized, {len(checks)} asset checks passed "
        f"({len(registered_vendors(env))} vendor(s): "
        f"{', '.join(v.name for v in registered_vendors(env))})"
    )

    assert result.success, f"failed steps: {failed_steps(result)}; see the dbt log above"
    assert materialized == materializable_keys(defs)
    assert failed == []
    assert {c.asset_check_key for c in checks} == set(expected_checks)
    assert len(expected_checks) > 0


def test_dlt_assets_report_the_rows_the_world_holds(pipeline_run):
    _, _, result, state = pipeline_run
    metadata = {
        event.asset_key.to_user_string(): event.materialization.metadata
        for event in result.get_asset_materialization_events()
    }
    tenants = len(state.world.tenants)

    assert metadata["connectwise/companies"]["rows_loaded"].value == tenants + 1
    assert metadata["connectwise/agreements"]["rows_loaded"].value == tenants
    assert metadata["connectwise/companies"]["rows_quarantined"].value == 0


def test_serving_file_holds_the_staging_models(pipeline_run):
    env, defs, result, state = pipeline_run
    staging = sorted(key.path[-1] for key in materializable_keys(defs) if key.path[0] == "staging")
    with state.lock:
        live_tickets = len(cw.render_tickets(state).records)

    with duckdb.connect(str(env.serving_path), read_only=True) as con:
        relations = {
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = 'staging'"
            ).fetchall()
        }
        rows = {
            name: con.execute(f"select count(*) from staging.{name}").fetchone()[0]
            for name in staging
        }
        [(published_tables, published_views)] = con.execute(
            "select count(*) filter (where table_type = 'BASE TABLE'), "
            "count(*) filter (where table_type = 'VIEW') from information_schema.tables "
            "where table_schema not in ('information_schema', 'pg_catalog')"
        ).fetchall()

    [publish] = [
        e.materialization.metadata
        for e in result.get_asset_materialization_events()
        if e.asset_key == dg.AssetKey("serving_warehouse")
    ]
    assert relations == set(staging)
    # Active Veeam alarms are legitimately none when no job's last run failed.
    assert all(count > 0 for name, count in rows.items() if name != "stg_veeam__active_alarms"), (
        rows
    )
    assert rows["stg_connectwise__companies"] == len(state.world.tenants) + 1
    assert rows["stg_connectwise__tickets"] == live_tickets
    assert (publish["tables"].value, publish["views"].value) == (published_tables, published_views)
    assert not env.serving_path.with_name("serving.duckdb.wal").exists()
