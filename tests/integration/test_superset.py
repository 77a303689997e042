"""Superset in its own environment, against a warehouse built by the real pipeline.

The small world goes through the whole Dagster job into a temporary data folder; Superset is
initialised there, imports the dashboards kept as code and serves on a free port of 127.0.0.1.
Every chart's data, asked through Superset's REST API with the chart's saved query context,
must equal the same question put to the marts directly with DuckDB; headless Chromium must then
draw every chart of the Executive overview without an error.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import time
from collections import Counter
from datetime import UTC, datetime

import duckdb
import pytest
import requests

from orchestration.environment import PROJECT_ROOT, Environment
from tests.integration.pipeline import failed_steps, pipeline_environment, run_full_job

SUPERSET_DIR = PROJECT_ROOT / "superset"
SUPERSET_PY = SUPERSET_DIR / ".venv" / "bin" / "python"
TENANT = "join marts.dim_tenants as t on t.company_id = k.company_id"

# Each chart of both dashboards, by name, and the same question put to the marts directly.
EXPECTED = {
    "Tenant health score": """
        select kpi_date, round(avg(health_score), 1)
        from marts.kpi_tenant_health_daily group by kpi_date""",
    "Resolution SLA met": """
        select kpi_date, sum(tickets_resolved_in_sla) / nullif(sum(tickets_resolved), 0)
        from marts.kpi_sla_daily group by kpi_date""",
    "Backup success": """
        select kpi_date, sum(backup_runs_succeeded) / nullif(sum(backup_runs), 0)
        from marts.kpi_backup_daily group by kpi_date""",
    "Active threats": "select count(*) from marts.fct_threats where is_active",
    "Health score by tenant": f"""
        select kpi_date, company_name, round(avg(health_score), 1)
        from marts.kpi_tenant_health_daily as k {TENANT} group by all""",
    "Resolution SLA met by tenant": f"""
        select kpi_date, company_name,
            sum(tickets_resolved_in_sla) / nullif(sum(tickets_resolved), 0)
        from marts.kpi_sla_daily as k {TENANT} group by all""",
    "Backup success by tenant": f"""
        select kpi_date, company_name, sum(backup_runs_succeeded) / nullif(sum(backup_runs), 0)
        from marts.kpi_backup_daily as k {TENANT} group by all""",
    "Threats detected per day": f"""
        select kpi_date, company_name, sum(threats_detected)
        from marts.kpi_security_daily as k {TENANT} group by all""",
    "Tenant scorecard (latest day)": """
        select t.company_name, h.health_score, h.resolution_sla_met_rate,
            h.backup_success_rate, h.active_threats_at_day_end, e.edr_coverage_rate, t.devices
        from marts.dim_tenants as t
        left join marts.kpi_tenant_health_daily as h on h.company_id = t.company_id
            and h.kpi_date = (select max(kpi_date) from marts.kpi_tenant_health_daily)
        left join marts.kpi_edr_coverage as e on e.company_id = t.company_id""",
    "Devices without backup coverage (count)": """
        select count(*) from marts.dim_backup_protection where is_backup_not_covered""",
    "Devices without backup coverage (table)": f"""
        select company_name, device_name, device_kind, is_in_veeam, veeam_last_status,
            is_in_cove, cove_last_status, last_good_backup_at
        from marts.dim_backup_protection as k {TENANT} where is_backup_not_covered""",
    "Backup runs not succeeded": "select count(*) from marts.fct_backup_runs where not is_success",
    "Backup runs not succeeded per day": """
        select run_date, product, count(*) filter (where not is_success)
        from marts.fct_backup_runs group by all""",
    "Backup runs by tenant": f"""
        select company_name, count(*), count(*) filter (where is_success),
            count(*) filter (where not is_success), avg(is_success::int)
        from marts.fct_backup_runs as k {TENANT} group by all""",
    "Backup runs by device and job": f"""
        select company_name, d.device_name, product, record_id, count(*),
            count(*) filter (where not is_success), avg(is_success::int),
            cast(max(started_at) as varchar)
        from marts.fct_backup_runs as k {TENANT}
        left join marts.dim_devices as d on d.device_id = k.device_id group by all""",
}
DASHBOARDS = {"Executive overview": 9, "Backup and continuity": 6}
TIME_COLUMNS = {"kpi_date", "run_date", "last_good_backup_at"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def superset_ops(environ: dict[str, str], *args: str) -> float:
    """Run `python -m superset_ops ...` with Superset's interpreter; returns its seconds."""
    started = time.monotonic()
    done = subprocess.run(
        [str(SUPERSET_PY), "-m", "superset_ops", *args],
        cwd=SUPERSET_DIR,
        env=environ,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"superset_ops {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
    return time.monotonic() - started


@pytest.fixture(scope="module")
def warehouse(emulator, tmp_path_factory) -> Environment:
    """The small world through the whole Dagster job, published to a temporary serving file."""
    base_url, _ = emulator
    with pipeline_environment(base_url, str(tmp_path_factory.mktemp("data"))) as env:
        _, result, _ = run_full_job(env)
    assert result.success, f"failed steps: {failed_steps(result)}"
    return env


@pytest.fixture(scope="module")
def superset(warehouse):
    """Superset initialised, loaded with the dashboards and serving; stopped after the module."""
    assert SUPERSET_PY.exists(), f"{SUPERSET_PY} is missing: run `make superset-setup` first"
    environ = {**os.environ, "MSP_ENV": "ci", "MSP_DATA_DIR": str(warehouse.data_dir)}
    port = free_port()
    timings = {"init": superset_ops(environ, "init"), "import": superset_ops(environ, "import")}
    try:
        timings["serve"] = superset_ops(environ, "serve", "--port", str(port))
        print(f"\nSuperset timings (s): {', '.join(f'{k} {v:.0f}' for k, v in timings.items())}")
        yield f"http://127.0.0.1:{port}", warehouse, environ
    finally:
        superset_ops(environ, "stop")


@pytest.fixture(scope="module")
def api(superset) -> requests.Session:
    base_url, warehouse, _ = superset
    password = (warehouse.data_dir / "superset" / "admin_password").read_text().strip()
    session = requests.Session()
    login = session.post(
        f"{base_url}/api/v1/security/login",
        json={"username": "admin", "password": password, "provider": "db", "refresh": False},
    )
    assert login.status_code == 200, login.text
    session.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
    return session


def listing(api: requests.Session, base_url: str, resource: str, columns: list[str]) -> list:
    query = json.dumps({"page_size": 100, "columns": columns})
    answer = api.get(f"{base_url}/api/v1/{resource}/", params={"q": query})
    assert answer.status_code == 200, answer.text
    return answer.json()["result"]


def dashboard_charts(api: requests.Session, base_url: str) -> dict[str, list[dict]]:
    found = {}
    for board in listing(api, base_url, "dashboard", ["id", "dashboard_title"]):
        answer = api.get(f"{base_url}/api/v1/dashboard/{board['id']}/charts")
        found[board["dashboard_title"]] = answer.json()["result"]
    return found


def expectation_key(chart: dict) -> str:
    """The EXPECTED key of a chart; two charts share a title, told apart by their type."""
    name = chart["slice_name"]
    if name == "Devices without backup coverage":
        return f"{name} ({'table' if chart['form_data']['viz_type'] == 'table' else 'count'})"
    return name


def normalized(row: list, columns: list[str]) -> tuple:
    """One row as comparable values: days as dates, numbers rounded, the rest unchanged."""
    values = []
    for column, value in zip(columns, row, strict=True):
        if column in TIME_COLUMNS and isinstance(value, int | float):
            moment = datetime.fromtimestamp(value / 1000, UTC)
            value = moment.date() if column != "last_good_backup_at" else moment
        elif isinstance(value, datetime) and column != "last_good_backup_at":
            value = value.date()
        elif isinstance(value, bool) or value is None:
            pass
        elif isinstance(value, int | float):
            value = round(float(value), 6)
        values.append(value)
    return tuple(values)


def test_import_creates_both_dashboards_reading_marts_read_only(api, superset):
    base_url, warehouse, environ = superset
    charts = dashboard_charts(api, base_url)
    databases = listing(api, base_url, "database", ["id", "database_name"])
    [database] = [
        api.get(f"{base_url}/api/v1/database/{d['id']}/connection").json()["result"]
        for d in databases
        if d["database_name"] == "MSP warehouse"
    ]
    datasets = [
        api.get(f"{base_url}/api/v1/dataset/{d['id']}").json()["result"]
        for d in listing(api, base_url, "dataset", ["id"])
    ]

    assert {title: len(found) for title, found in charts.items()} == DASHBOARDS
    for board in listing(api, base_url, "dashboard", ["id"]):
        detail = api.get(f"{base_url}/api/v1/dashboard/{board['id']}").json()["result"]
        [tenant] = json.loads(detail["json_metadata"])["native_filter_configuration"]
        assert (tenant["name"], tenant["filterType"]) == ("Tenant", "filter_select")
        assert [target["column"]["name"] for target in tenant["targets"]] == ["company_name"]
    assert json.loads(database["extra"])["engine_params"]["connect_args"] == {"read_only": True}
    assert database["sqlalchemy_uri"] == f"duckdb:///{warehouse.serving_path}"
    assert len(datasets) == 8
    for dataset in datasets:
        read = set(re.findall(r"\b(?:from|join)\s+([\w.]+)", dataset["sql"].lower()))
        assert dataset["schema"] == "marts"
        assert read and all(name.startswith("marts.") or name == "latest" for name in read), read

    superset_ops(environ, "import")
    again = dashboard_charts(api, base_url)
    assert {title: len(found) for title, found in again.items()} == DASHBOARDS
    assert len(listing(api, base_url, "chart", ["id"])) == sum(DASHBOARDS.values())


def test_every_chart_shows_what_the_marts_hold(api, superset):
    base_url, warehouse, _ = superset
    charts = [chart for found in dashboard_charts(api, base_url).values() for chart in found]
    assert sorted(expectation_key(chart) for chart in charts) == sorted(EXPECTED)

    checked = {}
    with duckdb.connect(str(warehouse.serving_path), read_only=True) as con:
        for chart in charts:
            key = expectation_key(chart)
            answer = api.get(f"{base_url}/api/v1/chart/{chart['id']}/data/")
            assert answer.status_code == 200, f"{key}: {answer.text[:500]}"
            [result] = answer.json()["result"]
            columns = result["colnames"]
            shown = Counter(normalized([r[c] for c in columns], columns) for r in result["data"])
            held = Counter(
                normalized(list(row), columns) for row in con.execute(EXPECTED[key]).fetchall()
            )
            assert shown == held, f"{key}: Superset shows {shown}, the marts hold {held}"
            checked[key] = sum(shown.values())

    print(f"\nrows checked per chart: {checked}")
    tenants = 4
    assert checked["Tenant health score"] == 20  # one point a day of the 20-day world
    assert checked["Health score by tenant"] == tenants * 20
    assert checked["Tenant scorecard (latest day)"] == tenants
    assert checked["Backup runs by tenant"] == tenants


def test_executive_overview_renders_every_chart_in_chromium(superset, tmp_path):
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.skip("Chromium and its driver are not installed; `make chromium` installs them")
    base_url, warehouse, environ = superset
    picture = tmp_path / "executive_overview.png"

    done = subprocess.run(
        [
            str(SUPERSET_PY),
            "-m",
            "superset_ops.screenshot",
            "--url",
            base_url,
            "--slug",
            "executive-overview",
            "--out",
            str(picture),
            "--charts",
            "9",
            "--password-file",
            str(warehouse.data_dir / "superset" / "admin_password"),
        ],
        cwd=SUPERSET_DIR,
        env=environ,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    seen = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"\nscreenshot {picture}: {seen}")

    assert seen["charts"] == DASHBOARDS["Executive overview"]
    assert seen["drawn"] == seen["charts"]
    assert seen["chart_errors"] == {}
    assert seen["page_errors"] == []
    assert "Tenant health score" in seen["titles"]
    assert picture.stat().st_size > 50_000  # kept in the test's tmp dir for a person to see
