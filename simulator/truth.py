"""Ground truth, kept apart from the APIs: what is really the same device and company, which
alerts belong to which incident, which devices each backup product covers, and the true
per-tenant daily KPIs. Everything is read at the world's clock, writes included.

KPI definitions (the marts must compute the same):
- tickets_opened: Help Desk tickets entered that UTC day, not deleted, not merged into another.
- tickets_resolved / tickets_resolved_in_sla: the same scope by UTC day of resolution; in SLA
  when the calendar minutes from entry to resolution are at most the SLA's resolution target
  (all SLAs are 24x7, so calendar and business minutes agree).
- backup_runs / backup_runs_succeeded: every scheduled Veeam task and Cove session that ended
  that UTC day, per covered device; success is status Success, a missed session counts as a run.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from simulator.world import World


def day_of(ts: int) -> date:
    return datetime.fromtimestamp(ts, UTC).date()


def visible_ticket(t, at: int) -> bool:
    return t.entered_at <= at and not (t.deleted_at is not None and t.deleted_at <= at)


def tenants(world: World) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {
                "tenant_key": t.key,
                "name": t.name,
                "sla_tier": t.sla_tier,
                "is_noisy": t.is_noisy,
                "cw_company_id": t.cw_company_id,
                "s1_account_id": t.s1_account_id,
                "s1_site_id": t.s1_site_id,
                "veeam_company_uid": t.veeam_company_uid,
                "cove_partner_id": t.cove_partner_id,
                "auvik_tenant_id": t.auvik_tenant_id,
            }
            for t in world.tenants
        ]
    )


def devices(world: World) -> pa.Table:
    at = world.clock
    return pa.Table.from_pylist(
        [
            {
                "device_key": d.key,
                "tenant_key": d.tenant.key,
                "kind": d.kind,
                "hostname": d.hostname,
                "mac": d.mac,
                "serial": d.serial,
                "created_at": d.created_at,
                "last_seen_at": d.last_seen_at,
                "is_stale": d.last_seen_at is not None and d.last_seen_at < at,
            }
            for d in world.devices
            if d.created_at <= at
        ]
    )


def device_identities(world: World) -> pa.Table:
    """One row per vendor record that stands for a real device."""
    at, rows = world.clock, []
    for d in world.devices:
        if d.created_at > at:
            continue
        ids = []
        if d.cw_config_id is not None:
            ids.append(("connectwise", str(d.cw_config_id)))
        ids += [("sentinelone", a["id"]) for a in d.s1_agents if a["registered_at"] <= at]
        if d.veeam_object_uid:
            ids.append(("veeam", d.veeam_object_uid))
        if d.cove_account_id is not None:
            ids.append(("cove", str(d.cove_account_id)))
        if d.auvik_device_id and not (d.auvik_deleted_at is not None and d.auvik_deleted_at <= at):
            ids.append(("auvik", d.auvik_device_id))
        rows += [
            {"device_key": d.key, "tenant_key": d.tenant.key, "vendor": v, "record_id": i}
            for v, i in ids
        ]
    return pa.Table.from_pylist(rows)


def incidents(world: World) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {
                "incident_id": i.id,
                "tenant_key": i.tenant.key,
                "kind": i.kind,
                "device_key": i.device.key,
                "started_at": i.started_at,
                "ended_at": i.ended_at,
            }
            for i in world.incidents
            if i.started_at <= world.clock
        ]
    )


def incident_alerts(world: World) -> pa.Table:
    at, rows = world.clock, []
    rows += [
        {"incident_id": a.incident_id, "vendor": "auvik", "record_id": a.id}
        for a in world.alerts
        if a.incident_id and a.detected_at <= at
    ]
    rows += [
        {"incident_id": t.incident_id, "vendor": "sentinelone", "record_id": t.id}
        for t in world.threats
        if t.incident_id and t.created_at <= at
    ]
    rows += [
        {"incident_id": t.incident_id, "vendor": "connectwise", "record_id": str(t.id)}
        for t in world.tickets
        if t.incident_id and visible_ticket(t, at)
    ]
    return pa.Table.from_pylist(
        rows,
        schema=pa.schema(
            [("incident_id", pa.string()), ("vendor", pa.string()), ("record_id", pa.string())]
        ),
    )


def backup_coverage(world: World) -> pa.Table:
    rows = []
    for d in world.devices:
        if d.created_at > world.clock:
            continue
        if d.veeam_object_uid:
            rows.append({"device_key": d.key, "product": "veeam", "record_id": d.veeam_object_uid})
        if d.cove_account_id is not None:
            rows.append(
                {"device_key": d.key, "product": "cove", "record_id": str(d.cove_account_id)}
            )
    return pa.Table.from_pylist(rows)


def backup_runs(world: World) -> pa.Table:
    return pa.Table.from_pylist(
        [
            {
                "device_key": r.device.key,
                "tenant_key": r.device.tenant.key,
                "product": r.product,
                "job_uid": r.job_uid,
                "run_date": day_of(r.ended_at),
                "started_at": r.started_at,
                "ended_at": r.ended_at,
                "status": r.status,
            }
            for r in world.runs
            if r.ended_at <= world.clock
        ]
    )


def threats(world: World) -> pa.Table:
    at = world.clock
    return pa.Table.from_pylist(
        [
            {
                "threat_id": t.id,
                "device_key": t.device.key,
                "tenant_key": t.device.tenant.key,
                "confidence": t.confidence,
                "created_at": t.created_at,
                "mitigated_at": t.mitigated_at
                if t.mitigated_at is not None and t.mitigated_at <= at
                else None,
                "resolved_at": t.resolved_at
                if t.resolved_at is not None and t.resolved_at <= at
                else None,
                "incident_id": t.incident_id,
            }
            for t in world.threats
            if t.created_at <= at
        ]
    )


def kpi_daily(world: World) -> pa.Table:
    at = world.clock
    rows: dict[tuple[str, date], dict] = {}

    def row(tenant_key: str, day: date) -> dict:
        return rows.setdefault(
            (tenant_key, day),
            {
                "tenant_key": tenant_key,
                "kpi_date": day,
                "tickets_opened": 0,
                "tickets_resolved": 0,
                "tickets_resolved_in_sla": 0,
                "backup_runs": 0,
                "backup_runs_succeeded": 0,
            },
        )

    for t in world.tickets:
        if (
            t.board != "Help Desk"
            or not visible_ticket(t, at)
            or (t.merged_at is not None and t.merged_at <= at)
        ):
            continue
        row(t.tenant.key, day_of(t.entered_at))["tickets_opened"] += 1
        if t.resolved_at is not None and t.resolved_at <= at:
            r = row(t.tenant.key, day_of(t.resolved_at))
            r["tickets_resolved"] += 1
            r["tickets_resolved_in_sla"] += (t.resolved_at - t.entered_at) // 60 <= (
                t.resolve_target_min
            )
    for run in world.runs:
        if run.ended_at <= at:
            r = row(run.device.tenant.key, day_of(run.ended_at))
            r["backup_runs"] += 1
            r["backup_runs_succeeded"] += run.status == "Success"
    ordered = [rows[k] for k in sorted(rows)]
    for r in ordered:
        r["backup_success_rate"] = (
            round(r["backup_runs_succeeded"] / r["backup_runs"], 6) if r["backup_runs"] else None
        )
    return pa.Table.from_pylist(ordered)


TABLES: dict[str, Callable[[World], pa.Table]] = {
    "tenants": tenants,
    "devices": devices,
    "device_identities": device_identities,
    "incidents": incidents,
    "incident_alerts": incident_alerts,
    "backup_coverage": backup_coverage,
    "backup_runs": backup_runs,
    "threats": threats,
    "kpi_daily": kpi_daily,
}


def write_all(world: World, out: Path) -> dict[str, int]:
    """Write every truth table as Parquet under `out`; returns rows per table."""
    out.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, build in TABLES.items():
        table = build(world)
        pq.write_table(table, out / f"{name}.parquet")
        counts[name] = table.num_rows
    return counts
