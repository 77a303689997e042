"""Both playbooks end to end: a world served on 127.0.0.1, the real Dagster job building and
publishing the warehouse (policy models included), the sensor launching the playbook runs, and
the vendors' own APIs showing what was done.

The world (seed 2, 4 tenants) has two servers whose last Veeam run failed with no Cove backup
(each succeeds at its next nightly run, about 25 hours later) and one unmitigated ransomware
threat on a server. The story, run once for the module, in order:
1. full pipeline; `msp actions run --dry-run` (nothing sent, every call listed);
2. the sensor sees the publish and launches `run_playbooks`: two backup tickets, one approval
   ticket; the same run launched again sends nothing;
3. `msp actions approve`; the policies are rebuilt (a new evaluation) and published: the
   sensor's run notes both backup tickets and disconnects the agent;
4. the clock moves 26 hours, the full pipeline runs again: both backup tickets get a closing
   note and the Resolved status; the threat's ticket is left as it is.
"""

from __future__ import annotations

import contextlib
import io
import os
from dataclasses import dataclass, field

import dagster as dg
import pytest
import requests

from actions import executors as ex
from actions.log import ActionLog
from actions.runner import action_log_path, load_policies
from orchestration.actions import PLAYBOOK_JOB
from orchestration.definitions import FULL_PIPELINE, build_definitions
from orchestration.environment import Environment, point_at_emulator
from simulator import cli as msp
from simulator.server import running
from simulator.world import WorldSpec

WORLD = WorldSpec(seed=2, tenants=4, days=20, devices_per_tenant=30)
UNCOVERED = {(250, "T001-D00002"), (264, "T003-D00054")}  # (company, world device key)
THREAT_ID = "7359496770822600609"
WRITES = ("POST", "PATCH", "PUT", "DELETE")


@dataclass
class Story:
    env: Environment
    base_url: str
    state: object
    dry_output: str = ""
    dry_writes: list = field(default_factory=list)
    first_policies: dict = field(default_factory=dict)
    run_keys: list = field(default_factory=list)
    skip_after_first: str = ""
    tickets_after_first: list = field(default_factory=list)
    agent_status_before_approval: str = ""
    writes_on_retry: list = field(default_factory=list)
    approval_id: int = 0
    list_output: str = ""
    writes_after_approval: list = field(default_factory=list)
    tickets_after_approval: int = 0
    agent_status_after_approval: str = ""
    later_policies: dict = field(default_factory=dict)
    writes_after_clear: list = field(default_factory=list)


def msp_output(*argv: str) -> tuple[int, str]:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        code = msp.main(list(argv))
    return code, buffer.getvalue()


def writes_since(base_url: str, seq: int) -> list[dict]:
    log = requests.get(f"{base_url}/_sim/requests", params={"since": seq}, timeout=10).json()
    return [r for r in log if r["method"] in WRITES]


def last_seq(base_url: str) -> int:
    log = requests.get(f"{base_url}/_sim/requests", timeout=10).json()
    return log[-1]["seq"] if log else 0


def run_job(defs: dg.Definitions, instance: dg.DagsterInstance, name: str, **kwargs):
    result = defs.resolve_job_def(name).execute_in_process(
        instance=instance, raise_on_error=False, **kwargs
    )
    failed = [e.step_key for e in result.all_events if e.is_step_failure]
    assert result.success, f"{name} failed at {failed}"
    return result


def sensor_tick(defs: dg.Definitions, instance: dg.DagsterInstance, cursor: str | None):
    sensor = defs.resolve_sensor_def("playbooks_follow_the_publish")
    context = dg.build_sensor_context(instance=instance, cursor=cursor, definitions=defs)
    return sensor.evaluate_tick(context)


def launch_from_sensor(defs, instance, cursor, story: Story) -> str:
    """One sensor tick; runs what it asks for, as the daemon would; returns the new cursor."""
    tick = sensor_tick(defs, instance, cursor)
    [request] = tick.run_requests
    story.run_keys.append(request.run_key)
    tags = {
        **request.tags,
        "dagster/run_key": request.run_key,
        "dagster/sensor_name": "playbooks_follow_the_publish",
    }  # what the daemon adds
    run_job(defs, instance, PLAYBOOK_JOB, tags=tags)
    return tick.cursor


def connectwise() -> ex.VendorClient:
    return ex.VendorClient.from_config("connectwise")


def playbook_tickets() -> list[dict]:
    conditions = 'summary like "Backup not covered*" or summary like "Approval needed*"'
    return connectwise().get("/service/tickets", {"conditions": conditions, "pageSize": 1000})


def agent_network_status(agent_id: str) -> str:
    s1 = ex.VendorClient.from_config("sentinelone")
    [agent] = s1.get("/agents", {"ids": agent_id})["data"]
    return agent["networkStatus"]


@pytest.fixture(scope="module")
def story(tmp_path_factory) -> Story:
    saved = dict(os.environ)
    for name in ("DESTINATION__FILESYSTEM__BUCKET_URL", "MSP_DBT_TARGET", "MSP_PLAYBOOKS_CONFIG"):
        os.environ.pop(name, None)
    os.environ.update(MSP_ENV="ci", MSP_DATA_DIR=str(tmp_path_factory.mktemp("data")))
    try:
        with running(WORLD) as (base_url, state), dg.instance_for_test() as instance:
            point_at_emulator(base_url)
            env = Environment.from_env()
            defs = build_definitions(env)
            yield tell(Story(env, base_url, state), defs, instance)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def tell(story: Story, defs: dg.Definitions, instance: dg.DagsterInstance) -> Story:
    base_url, env = story.base_url, story.env
    run_job(defs, instance, FULL_PIPELINE)
    story.first_policies = load_policies(env.serving_path)

    seq = last_seq(base_url)
    code, story.dry_output = msp_output("actions", "run", "--dry-run")
    assert code == 0
    story.dry_writes = writes_since(base_url, seq)

    seq = last_seq(base_url)
    cursor = launch_from_sensor(defs, instance, None, story)
    story.skip_after_first = str(sensor_tick(defs, instance, cursor).skip_message)
    story.tickets_after_first = playbook_tickets()
    threat = story.first_policies["contain_threat"][f"contain_threat:{THREAT_ID}"]
    story.agent_status_before_approval = agent_network_status(threat["sentinelone_agent_id"])

    seq = last_seq(base_url)
    run_job(defs, instance, PLAYBOOK_JOB)  # the same publish, evaluated again
    story.writes_on_retry = writes_since(base_url, seq)

    _, story.list_output = msp_output("actions", "list")
    [request] = [
        e
        for e in ActionLog(action_log_path(env.data_dir)).entries()
        if e.outcome == "pending-approval"
    ]
    story.approval_id = request.attempt_id
    assert msp_output("actions", "approve", str(request.attempt_id), "--by", "alice")[0] == 0

    graph = defs.resolve_asset_graph()
    policies = [k for k in graph.get_all_asset_keys() if k.path[-1].startswith("policy_")]
    run_job(
        defs, instance, FULL_PIPELINE, asset_selection=[*policies, dg.AssetKey("serving_warehouse")]
    )
    seq = last_seq(base_url)
    cursor = launch_from_sensor(defs, instance, cursor, story)
    story.writes_after_approval = writes_since(base_url, seq)
    story.tickets_after_approval = len(playbook_tickets())
    story.agent_status_after_approval = agent_network_status(threat["sentinelone_agent_id"])

    requests.post(f"{base_url}/_sim/advance", params={"hours": 26}, timeout=10).raise_for_status()
    run_job(defs, instance, FULL_PIPELINE)
    story.later_policies = load_policies(env.serving_path)
    seq = last_seq(base_url)
    launch_from_sensor(defs, instance, cursor, story)
    story.writes_after_clear = writes_since(base_url, seq)
    return story


def backup_key_of(story: Story, company: int, world_key: str) -> str:
    name = next(d.cw_name for d in story.state.world.devices if d.key == world_key)
    [row] = [
        r
        for r in story.first_policies["backup_not_covered"].values()
        if r["company_id"] == company and r["device_name"] == name
    ]
    return row["idempotency_key"]


def test_the_policies_list_the_uncovered_servers_and_the_open_threat(story):
    backup = story.first_policies["backup_not_covered"]
    names = {d.key: d.cw_name for d in story.state.world.devices}

    assert {(r["company_id"], r["device_name"]) for r in backup.values()} == {
        (company, names[key]) for company, key in UNCOVERED
    }
    assert all(
        r["veeam_last_status"] == "Failed" and r["veeam_failed_at"] is not None
        for r in backup.values()
    )
    assert list(story.first_policies["contain_threat"]) == [f"contain_threat:{THREAT_ID}"]


def test_a_dry_run_sends_nothing_and_prints_every_call(story):
    lines = story.dry_output.splitlines()

    assert story.dry_writes == []
    assert (
        sum("[skipped-dry-run]" in line and "POST /service/tickets" in line for line in lines) == 3
    )
    assert sum("request_approval" in line for line in lines) == 1
    assert '"board": {"id": 2}' in story.dry_output
    assert "run " in lines[-1] and "4 skipped-dry-run" in lines[-1]


def test_each_problem_gets_exactly_one_ticket_on_its_company(story):
    names = {d.key: d.cw_name for d in story.state.world.devices}
    threat_device = next(d for d in story.state.world.threats if d.id == THREAT_ID).device
    found = sorted(
        (t["company"]["id"], t["summary"], t["board"]["name"]) for t in story.tickets_after_first
    )
    expected = sorted(
        [(company, f"Backup not covered: {names[key]}", "NOC Alerts") for company, key in UNCOVERED]
        + [
            (
                threat_device.tenant.cw_company_id,
                f"Approval needed: isolate {threat_device.cw_name} (Ransom.Locky)",
                "NOC Alerts",
            )
        ]
    )

    assert found == expected


def test_the_ticket_carries_the_evidence(story):
    ticket = next(t for t in story.tickets_after_first if t["summary"].startswith("Backup"))
    notes = connectwise().get(f"/service/tickets/{ticket['id']}/notes")

    assert "Veeam last run: Failed at " in notes[0]["text"]
    assert "no recent good backup in any product" in notes[0]["text"]


def test_one_publish_starts_one_run_and_a_rerun_sends_nothing(story):
    assert len(story.run_keys) == 3 and len(set(story.run_keys)) == 3
    assert all(key.startswith("publish-") for key in story.run_keys)
    assert "no publish of serving_warehouse" in story.skip_after_first
    assert story.writes_on_retry == []


def test_the_threat_is_contained_only_after_approval(story):
    threat_ticket = next(
        t for t in story.tickets_after_first if t["summary"].startswith("Approval needed")
    )
    notes = connectwise().get(f"/service/tickets/{threat_ticket['id']}/notes")
    disconnects = [
        w for w in story.writes_after_approval if w["path"].endswith("/agents/actions/disconnect")
    ]

    assert story.agent_status_before_approval == "connected"
    assert f"{story.approval_id:>5}  contain_threat:{THREAT_ID}" in story.list_output
    assert len(disconnects) == 1 and disconnects[0]["status"] == 200
    assert story.agent_status_after_approval == "disconnected"
    assert "disconnected from the network" in notes[-1]["text"]
    assert "approved by user:alice" in notes[-1]["text"]
    assert f"approve {story.approval_id}" in notes[0]["text"]


def test_a_new_evaluation_adds_notes_not_tickets(story):
    posts = sorted(w["path"] for w in story.writes_after_approval if w["method"] == "POST")
    ticket_ids = sorted(t["id"] for t in story.tickets_after_first)

    assert not any(p.endswith("/service/tickets") for p in posts)
    assert sum(p.endswith("/notes") for p in posts) == 3  # two backup notes, one containment
    assert all(int(p.split("/")[-2]) in ticket_ids for p in posts if p.endswith("/notes"))
    assert story.tickets_after_approval == 3


def test_a_cleared_problem_gets_one_closing_note_and_is_resolved(story):
    cleared = {backup_key_of(story, c, k) for c, k in UNCOVERED}
    client = connectwise()
    backup_tickets = [t for t in story.tickets_after_first if t["summary"].startswith("Backup")]

    assert cleared.isdisjoint(story.later_policies["backup_not_covered"])
    for ticket in backup_tickets:
        notes = client.get(f"/service/tickets/{ticket['id']}/notes")
        closing = [n for n in notes if n["resolutionFlag"]]
        now = client.get("/service/tickets", {"conditions": f"id={ticket['id']}"})[0]
        assert len(closing) == 1 and "good backup again" in closing[0]["text"]
        assert now["status"]["name"] == "Resolved"
    patched = [w for w in story.writes_after_clear if w["method"] == "PATCH"]
    assert sorted(int(w["path"].split("/")[-1]) for w in patched) == sorted(
        t["id"] for t in backup_tickets
    )


def test_the_action_log_holds_every_attempt(story):
    entries = ActionLog(action_log_path(story.env.data_dir)).entries()
    real = [
        (e.playbook, e.step, e.outcome)
        for e in entries
        if not e.is_dry_run
        and e.idempotency_key
        in {*(backup_key_of(story, c, k) for c, k in UNCOVERED), f"contain_threat:{THREAT_ID}"}
    ]

    assert sorted(real) == sorted(
        [("backup_not_covered", "create_ticket", "done")] * 2
        + [("backup_not_covered", "add_note", "done")] * 2
        + [("backup_not_covered", "closing_note", "done")] * 2
        + [("backup_not_covered", "resolve_ticket", "done")] * 2
        + [
            ("contain_threat", "request_approval", "pending-approval"),
            ("contain_threat", "create_ticket", "done"),
            ("contain_threat", "approve", "approved"),
            ("contain_threat", "disconnect", "done"),
            ("contain_threat", "contained_note", "done"),
        ]
    )
    assert sum(e.outcome == "skipped-dry-run" for e in entries) == 4
    assert all(e.outcome != "in-flight" for e in entries)
    assert all("simprivate" not in str(e) and "ApiToken" not in str(e) for e in entries)
    approval = next(e for e in entries if e.step == "approve")
    assert approval.decided_by == "user:alice"
    assert all(
        e.decided_by.startswith("policy via sensor playbooks_follow_the_publish")
        for e in entries
        if e.step == "create_ticket" and not e.is_dry_run
    )
