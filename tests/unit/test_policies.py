"""The playbooks' decisions, the approval gate and the refusals, on small hand-made logs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from actions import executors as ex
from actions.approvals import ApprovalError, approve, pending_requests
from actions.config import load_settings
from actions.log import ActionLog
from actions.playbooks import BACKUP, THREAT, decide_backup, decide_threat, key_state
from actions.runner import Runner

BUILT = datetime(2026, 3, 2, 6, 0, tzinfo=UTC)
NOW = datetime.now(UTC)
BACKUP_KEY = "backup_not_covered:dev-1"
THREAT_KEY = "contain_threat:777"


def backup_row(built: datetime = BUILT) -> dict:
    return {
        "idempotency_key": BACKUP_KEY,
        "playbook": BACKUP,
        "company_id": 250,
        "device_id": "dev-1",
        "device_name": "SRV-FILE01",
        "device_kind": "server",
        "veeam_last_status": "Failed",
        "veeam_failed_at": datetime(2026, 3, 1, 22, 40, tzinfo=UTC),
        "veeam_failure_message": "Error: VSS snapshot failed",
        "cove_account_id": None,
        "cove_last_good_at": None,
        "cove_last_status": None,
        "last_good_backup_at": None,
        "policy_built_at": built,
    }


def threat_row() -> dict:
    return {
        "idempotency_key": THREAT_KEY,
        "playbook": THREAT,
        "company_id": 264,
        "threat_id": "777",
        "device_id": "dev-9",
        "device_name": "SRV-DC01",
        "sentinelone_agent_id": "agent-9",
        "threat_name": "Ransom.Locky",
        "classification": "Ransomware",
        "confidence_level": "malicious",
        "incident_status": "unresolved",
        "threat_created_at": datetime(2026, 3, 1, 9, 0, tzinfo=UTC),
        "policy_built_at": BUILT,
    }


def record(
    log: ActionLog,
    key: str,
    step: str,
    step_key: str,
    outcome: str,
    *,
    ticket_id: int | None = None,
    inputs: dict | None = None,
    dry: bool = False,
    by: str = "policy",
) -> int:
    attempt = log.begin(
        run_id="r",
        decided_by=by,
        playbook=key.split(":")[0],
        idempotency_key=key,
        step=step,
        step_key=step_key,
        company_id=250,
        inputs=inputs or {},
        is_dry_run=dry,
    )
    if outcome != "in-flight":
        log.finish(attempt, outcome, ticket_id=ticket_id)
    return attempt


@pytest.fixture
def log(tmp_path: Path) -> ActionLog:
    return ActionLog(tmp_path / "action_log.sqlite")


def backup_state(log: ActionLog):
    return key_state(BACKUP_KEY, log.entries(BACKUP_KEY))


def test_a_newly_listed_device_gets_one_ticket_with_the_evidence(log):
    [plan] = decide_backup(BACKUP_KEY, backup_row(), backup_state(log), note_every_hours=0, now=NOW)

    assert (plan.step, plan.step_key, plan.company_id) == (
        "create_ticket",
        f"{BACKUP_KEY}#0/create_ticket",
        250,
    )
    assert plan.summary == "Backup not covered: SRV-FILE01"
    assert "Veeam last run: Failed at 2026-03-01 22:40 UTC - Error: VSS snapshot failed" in (
        plan.text
    )
    assert "Cove: the device has no Cove account" in plan.text


def test_a_dry_run_attempt_does_not_count_as_done(log):
    record(
        log,
        BACKUP_KEY,
        "create_ticket",
        f"{BACKUP_KEY}#0/create_ticket",
        "skipped-dry-run",
        dry=True,
    )

    [plan] = decide_backup(BACKUP_KEY, backup_row(), backup_state(log), note_every_hours=0, now=NOW)
    assert plan.step == "create_ticket"


def test_a_still_listed_device_gets_one_note_per_new_evaluation(log):
    record(
        log,
        BACKUP_KEY,
        "create_ticket",
        f"{BACKUP_KEY}#0/create_ticket",
        "done",
        ticket_id=900001,
        inputs={"policy_built_at": str(BUILT)},
    )

    same = decide_backup(BACKUP_KEY, backup_row(), backup_state(log), note_every_hours=0, now=NOW)
    later = BUILT + timedelta(hours=1)
    [note] = decide_backup(
        BACKUP_KEY, backup_row(later), backup_state(log), note_every_hours=0, now=NOW
    )
    record(
        log,
        BACKUP_KEY,
        "add_note",
        note.step_key,
        "done",
        ticket_id=900001,
        inputs={"policy_built_at": str(later)},
    )
    again = decide_backup(
        BACKUP_KEY, backup_row(later), backup_state(log), note_every_hours=0, now=NOW
    )
    throttled = decide_backup(
        BACKUP_KEY,
        backup_row(later + timedelta(hours=1)),
        backup_state(log),
        note_every_hours=24,
        now=NOW,
    )

    assert same == []
    assert (note.step, note.ticket_id) == ("add_note", 900001)
    assert note.text.startswith("Still not covered at this evaluation.")
    assert again == []
    assert throttled == []


def test_a_cleared_device_gets_one_closing_note_and_a_new_episode_after(log):
    record(
        log, BACKUP_KEY, "create_ticket", f"{BACKUP_KEY}#0/create_ticket", "done", ticket_id=900001
    )

    plans = decide_backup(BACKUP_KEY, None, backup_state(log), note_every_hours=0, now=NOW)
    record(log, BACKUP_KEY, "closing_note", plans[0].step_key, "done", ticket_id=900001)
    record(log, BACKUP_KEY, "resolve_ticket", plans[1].step_key, "done", ticket_id=900001)
    after_close = decide_backup(BACKUP_KEY, None, backup_state(log), note_every_hours=0, now=NOW)
    [reopened] = decide_backup(
        BACKUP_KEY, backup_row(), backup_state(log), note_every_hours=0, now=NOW
    )

    assert [(p.step, p.ticket_id) for p in plans] == [
        ("closing_note", 900001),
        ("resolve_ticket", 900001),
    ]
    assert after_close == []
    assert (reopened.step, reopened.step_key) == ("create_ticket", f"{BACKUP_KEY}#1/create_ticket")


def threat_state(log: ActionLog):
    return key_state(THREAT_KEY, log.entries(THREAT_KEY))


def test_a_threat_asks_for_approval_and_disconnects_only_once_approved(log):
    first = decide_threat(THREAT_KEY, threat_row(), threat_state(log), approve_hint="")
    request = record(log, THREAT_KEY, "request_approval", first[0].step_key, "pending-approval")
    record(log, THREAT_KEY, "create_ticket", first[1].step_key, "done", ticket_id=900002)
    waiting = decide_threat(THREAT_KEY, threat_row(), threat_state(log), approve_hint="")
    approve(log, request, "user:alice", run_id="cli")
    approved = decide_threat(THREAT_KEY, threat_row(), threat_state(log), approve_hint="")

    assert [p.step for p in first] == ["request_approval", "create_ticket"]
    assert first[1].summary == "Approval needed: isolate SRV-DC01 (Ransom.Locky)"
    assert waiting == []
    assert [(p.step, p.agent_id, p.ticket_id) for p in approved] == [
        ("disconnect", "agent-9", None),
        ("contained_note", None, 900002),
    ]
    assert "approved by user:alice" in approved[1].text


def test_a_threat_that_clears_before_approval_withdraws_the_request(log):
    request = record(
        log, THREAT_KEY, "request_approval", f"{THREAT_KEY}#0/request_approval", "pending-approval"
    )
    record(
        log, THREAT_KEY, "create_ticket", f"{THREAT_KEY}#0/create_ticket", "done", ticket_id=900002
    )

    plans = decide_threat(THREAT_KEY, None, threat_state(log), approve_hint="")
    for plan in plans:
        record(log, THREAT_KEY, plan.step, plan.step_key, "done", ticket_id=900002)

    assert [p.step for p in plans] == ["closing_note", "resolve_ticket"]
    assert "nothing was disconnected" in plans[0].text
    assert pending_requests(log) == []
    with pytest.raises(ApprovalError, match="withdrawn"):
        approve(log, request, "user:alice", run_id="cli")


def test_an_approval_is_refused_twice_and_for_anything_but_a_request(log):
    request = record(
        log, THREAT_KEY, "request_approval", f"{THREAT_KEY}#0/request_approval", "pending-approval"
    )
    ticket = record(
        log, THREAT_KEY, "create_ticket", f"{THREAT_KEY}#0/create_ticket", "done", ticket_id=900002
    )

    approve(log, request, "user:alice", run_id="cli")
    with pytest.raises(ApprovalError, match="already approved by user:alice"):
        approve(log, request, "user:bob", run_id="cli")
    with pytest.raises(ApprovalError, match="not a request"):
        approve(log, ticket, "user:bob", run_id="cli")


def test_the_log_refuses_updates_and_deletes(log):
    attempt = record(log, BACKUP_KEY, "create_ticket", "k", "done")
    with log.connect() as con, pytest.raises(Exception, match="append-only"):
        con.execute("update attempts set step = 'x' where attempt_id = ?", (attempt,))
    with log.connect() as con, pytest.raises(Exception, match="append-only"):
        con.execute("delete from outcomes")


def test_a_disconnect_never_goes_out_without_one_agent_id():
    assert ex.disconnect_agent("agent-9").body == {"filter": {"ids": ["agent-9"]}}
    with pytest.raises(ex.RefusedCall):
        ex.disconnect_agent("")
    for body in ({"filter": {}}, {"filter": {"ids": []}}, {"filter": {"siteIds": ["1"]}}):
        with pytest.raises(ex.RefusedCall):
            ex.check_not_broad(ex.Call("sentinelone", "POST", ex.DISCONNECT_PATH, body))


def test_settings_enable_every_tenant_on_the_emulators_and_none_in_prod(tmp_path):
    local, prod = load_settings("local"), load_settings("prod")
    override = tmp_path / "playbooks.yaml"
    override.write_text("environments:\n  prod:\n    backup_not_covered: {enabled_for: [250]}\n")
    chosen = load_settings("prod", override)

    assert local.is_enabled(BACKUP, 250) and local.is_enabled(THREAT, 999)
    assert not prod.is_enabled(BACKUP, 250) and not prod.is_enabled(THREAT, 250)
    assert chosen.is_enabled(BACKUP, 250) and not chosen.is_enabled(BACKUP, 264)
    assert not chosen.is_enabled(THREAT, 250)
    assert (local.board, local.note_every_hours, prod.note_every_hours) == ("NOC Alerts", 0, 24)


class FakeConnectWise:
    """Answers like ConnectWise and remembers what it was sent."""

    def __init__(self, existing_ticket: int | None = None):
        self.sent: list[ex.Call] = []
        self.existing_ticket = existing_ticket

    def send(self, call: ex.Call) -> ex.Answer:
        self.sent.append(call)
        return ex.Answer(201, {"id": 900010}, '{"id": 900010}')

    def get(self, path: str, params: dict | None = None):
        if path == "/service/boards":
            return [{"id": 2, "name": "NOC Alerts"}]
        return [{"id": self.existing_ticket}] if self.existing_ticket else []


def run_once(log: ActionLog, vendor: FakeConnectWise, *, dry: bool = False):
    runner = Runner(
        log,
        load_settings("local"),
        decided_by="test",
        force_dry_run=dry,
        clients=lambda name: vendor,
    )
    return runner.run({BACKUP: {BACKUP_KEY: backup_row()}, THREAT: {}})


def test_a_create_that_left_no_answer_is_looked_up_not_sent_again(log):
    record(log, BACKUP_KEY, "create_ticket", f"{BACKUP_KEY}#0/create_ticket", "in-flight")
    vendor = FakeConnectWise(existing_ticket=900005)

    report = run_once(log, vendor)
    state = backup_state(log)

    assert vendor.sent == []
    assert [(s.plan.step, s.outcome, s.ticket_id) for s in report.steps] == [
        ("create_ticket", "done", 900005)
    ]
    assert state.ticket_id == 900005


def test_a_dry_run_sends_nothing_and_logs_the_exact_call(log):
    vendor = FakeConnectWise()

    report = run_once(log, vendor, dry=True)
    [entry] = log.entries()

    assert vendor.sent == []
    assert [s.outcome for s in report.steps] == ["skipped-dry-run"]
    assert (entry.outcome, entry.method, entry.path, entry.is_dry_run) == (
        "skipped-dry-run",
        "POST",
        "/service/tickets",
        True,
    )
    assert entry.request_body["company"] == {"id": 250}
    assert entry.request_body["board"] == {"id": 2}
    assert entry.request_body["summary"] == "Backup not covered: SRV-FILE01"
