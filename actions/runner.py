"""Run the playbooks once: read the policies from the serving warehouse, decide per key, act.

Order of every vendor step: check the log for the step key (done: skip), look the result up at
the vendor when an earlier attempt may have landed, write the attempt, send once, write the
outcome. A dry run (the default for any tenant the settings do not enable) writes the attempt
with the exact call and the outcome `skipped-dry-run`, and sends nothing.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from actions import executors as ex
from actions.config import PlaybookSettings
from actions.log import ActionLog, Entry
from actions.playbooks import (
    BACKUP,
    THREAT,
    KeyState,
    Plan,
    decide_backup,
    decide_threat,
    key_state,
)

log = logging.getLogger(__name__)

POLICY_TABLES = {
    BACKUP: "policies.policy_backup_not_covered",
    THREAT: "policies.policy_contain_threat",
}
APPROVE_HINT = "Approve with `msp actions approve {id}` or the Dagster job approve_action."


def load_policies(serving_path: Path) -> dict[str, dict[str, dict[str, Any]]]:
    """Each playbook's policy rows by idempotency key, read from the serving file, read-only."""
    found: dict[str, dict[str, dict[str, Any]]] = {}
    with duckdb.connect(str(serving_path), read_only=True) as con:
        for playbook, table in POLICY_TABLES.items():
            cursor = con.execute(f"select * from {table} order by idempotency_key")
            names = [column[0] for column in cursor.description]
            found[playbook] = {
                row[0]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()
            }
    return found


@dataclass
class Step:
    """What happened to one plan in this run, for the report."""

    plan: Plan
    outcome: str
    call: ex.Call | None = None
    status: int | None = None
    attempt_id: int | None = None
    ticket_id: int | None = None
    note: str = ""

    def line(self) -> str:
        call = f" {self.call.method} {self.call.path}" if self.call else ""
        status = f" HTTP {self.status}" if self.status else ""
        note = f" ({self.note})" if self.note else ""
        return (
            f"[{self.outcome}] {self.plan.playbook} {self.plan.step} "
            f"{self.plan.idempotency_key} company {self.plan.company_id}:{call}{status}{note}"
        )


@dataclass
class Report:
    run_id: str
    steps: list[Step] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for step in self.steps if step.outcome == outcome)


class Runner:
    """One run of both playbooks over one set of policy rows."""

    def __init__(
        self,
        action_log: ActionLog,
        settings: PlaybookSettings,
        *,
        decided_by: str,
        force_dry_run: bool = False,
        clients: Callable[[str], ex.VendorClient] = ex.VendorClient.from_config,
        run_id: str | None = None,
    ):
        self.log = action_log
        self.settings = settings
        self.decided_by = decided_by
        self.force_dry_run = force_dry_run
        self.make_client = clients
        self._clients: dict[str, ex.VendorClient] = {}
        self._board_id: int | None = None
        self.report = Report(run_id or uuid.uuid4().hex[:12])

    def client(self, vendor: str) -> ex.VendorClient:
        if vendor not in self._clients:
            self._clients[vendor] = self.make_client(vendor)
        return self._clients[vendor]

    def board_id(self) -> int:
        if self._board_id is None:
            self._board_id = ex.board_id(self.client("connectwise"), self.settings.board)
        return self._board_id

    def run(self, policies: dict[str, dict[str, dict[str, Any]]]) -> Report:
        entries = self.log.entries()
        now = datetime.now(UTC)
        for playbook in (BACKUP, THREAT):
            rows = policies.get(playbook, {})
            known = {e.idempotency_key for e in entries if e.playbook == playbook}
            for key in sorted(set(rows) | known):
                state = key_state(key, [e for e in entries if e.idempotency_key == key])
                row = rows.get(key)
                if playbook == BACKUP:
                    plans = decide_backup(
                        key, row, state, now=now, note_every_hours=self.settings.note_every_hours
                    )
                else:
                    hint = APPROVE_HINT.format(id=state.approval_id or "<id>")
                    plans = decide_threat(key, row, state, approve_hint=hint)
                self.carry_out(plans, state)
        return self.report

    def carry_out(self, plans: list[Plan], state: KeyState) -> None:
        ticket_id = state.ticket_id
        approval_id = state.approval_id
        for plan in plans:
            dry = self.force_dry_run or not self.settings.is_enabled(plan.playbook, plan.company_id)
            if plan.step == "request_approval":
                approval_id = self.request_approval(plan, dry)
                continue
            if plan.step == "create_ticket" and plan.playbook == THREAT and approval_id:
                plan = with_text(plan, plan.text.replace("<id>", str(approval_id)))
            step = self.vendor_step(plan, ticket_id, dry)
            self.report.steps.append(step)
            log.info(step.line())
            if plan.step == "create_ticket" and step.ticket_id:
                ticket_id = step.ticket_id
            if step.outcome == "failed":
                break  # later steps of this key depend on this one; the next run retries

    def request_approval(self, plan: Plan, dry: bool) -> int | None:
        attempt = self.begin(plan, dry, None)
        self.log.finish(attempt, "skipped-dry-run" if dry else "pending-approval")
        self.report.steps.append(
            Step(
                plan,
                "skipped-dry-run" if dry else "pending-approval",
                attempt_id=attempt,
                note=f"approval id {attempt}",
            )
        )
        return None if dry else attempt

    def begin(self, plan: Plan, dry: bool, call: ex.Call | None) -> int:
        return self.log.begin(
            run_id=self.report.run_id,
            decided_by=self.decided_by,
            playbook=plan.playbook,
            idempotency_key=plan.idempotency_key,
            step=plan.step,
            step_key=plan.step_key,
            company_id=plan.company_id,
            inputs=dict(plan.inputs),
            method=call.method if call else None,
            path=call.path if call else None,
            body=call.body if call else None,
            is_dry_run=dry,
        )

    def call_for(self, plan: Plan, ticket_id: int | None) -> ex.Call:
        ticket = ticket_id if ticket_id is not None else "<new ticket>"
        if plan.step == "create_ticket":
            return ex.create_ticket(
                plan.company_id, self.board_id(), self.settings.priority_id, plan.summary, plan.text
            )
        if plan.step in ("add_note", "contained_note"):
            return ex.add_note(ticket, plan.text, "internal")  # type: ignore[arg-type]
        if plan.step == "closing_note":
            return ex.add_note(ticket, plan.text, "resolution")  # type: ignore[arg-type]
        if plan.step == "resolve_ticket":
            return ex.set_status(ticket, self.settings.closed_status)  # type: ignore[arg-type]
        if plan.step == "disconnect":
            return ex.disconnect_agent(plan.agent_id or "")
        raise ValueError(f"no vendor call for step {plan.step!r}")

    def vendor_step(self, plan: Plan, ticket_id: int | None, dry: bool) -> Step:
        earlier = [
            e
            for e in self.log.entries(plan.idempotency_key)
            if e.step_key == plan.step_key and not e.is_dry_run
        ]
        if any(e.outcome == "done" for e in earlier):
            return Step(plan, "already-done", note="done by an earlier attempt")
        if plan.step == "disconnect" and not self.is_approved(plan):
            raise ex.RefusedCall(f"{plan.idempotency_key}: disconnect without an approval row")
        call = self.call_for(plan, ticket_id)
        would = f"would send {call.describe()} {call.body}"

        if dry:
            attempt = self.begin(plan, True, call)
            self.log.finish(attempt, "skipped-dry-run")
            return Step(plan, "skipped-dry-run", call, attempt_id=attempt, note=would)
        if ticket_id is None and plan.step != "create_ticket" and plan.step != "disconnect":
            return Step(plan, "waiting", call, note="no ticket yet; the next run adds it")

        found = self.reconcile(plan, call, ticket_id, earlier)
        if found is not None:
            return found
        attempt = self.begin(plan, False, call)
        answer = self.client(call.vendor).send(call)
        new_ticket = None
        if answer.ok and plan.step == "create_ticket" and isinstance(answer.body, dict):
            new_ticket = int(answer.body["id"])
        outcome = "done" if answer.ok else "failed"
        self.log.finish(
            attempt,
            outcome,
            status_code=answer.status,
            response_excerpt=answer.excerpt,
            ticket_id=new_ticket or ticket_id,
        )
        return Step(plan, outcome, call, answer.status, attempt, new_ticket or ticket_id)

    def reconcile(
        self, plan: Plan, call: ex.Call, ticket_id: int | None, earlier: list[Entry]
    ) -> Step | None:
        """When an earlier attempt may have landed, look it up instead of sending it twice."""
        unsure = [
            e
            for e in earlier
            if e.outcome == "in-flight"
            or (e.outcome == "failed" and (e.status_code is None or e.status_code >= 500))
        ]
        if not unsure or plan.step not in (
            "create_ticket",
            "add_note",
            "contained_note",
            "closing_note",
        ):
            return None  # disconnect and status changes are safe to send again
        client = self.client("connectwise")
        if plan.step == "create_ticket":
            found = ex.find_open_ticket(client, plan.company_id, plan.summary)
            lookup = ex.Call("connectwise", "GET", "/service/tickets")
        else:
            found = ticket_id if ex.note_exists(client, ticket_id or 0, plan.text) else None
            lookup = ex.Call("connectwise", "GET", f"/service/tickets/{ticket_id}/notes")
        if found is None:
            return None
        attempt = self.begin(plan, False, lookup)
        self.log.finish(
            attempt,
            "done",
            status_code=200,
            ticket_id=found,
            response_excerpt=f"found at the vendor after attempt "
            f"{unsure[-1].attempt_id} left no answer",
        )
        return Step(plan, "done", lookup, 200, attempt, found, note="reconciled, not resent")

    def is_approved(self, plan: Plan) -> bool:
        state = key_state(plan.idempotency_key, self.log.entries(plan.idempotency_key))
        return state.approved_by is not None and plan.step_key.startswith(
            f"{plan.idempotency_key}#{state.episode}/"
        )


def with_text(plan: Plan, text: str) -> Plan:
    return Plan(**{**plan.__dict__, "text": text})


def action_log_path(data_dir: Path) -> Path:
    """The action log of an environment, beside its warehouse under the data folder."""
    return data_dir / "actions" / "action_log.sqlite"


def run_playbooks(
    serving_path: Path,
    action_log: ActionLog,
    settings: PlaybookSettings,
    *,
    decided_by: str,
    force_dry_run: bool = False,
    run_id: str | None = None,
    clients: Callable[[str], ex.VendorClient] = ex.VendorClient.from_config,
) -> Report:
    """Evaluate both policies as published now and carry out what is due."""
    policies = load_policies(serving_path)
    listed = {playbook: len(rows) for playbook, rows in policies.items()}
    log.info("policies read from %s: %s", serving_path, listed)
    runner = Runner(
        action_log,
        settings,
        decided_by=decided_by,
        force_dry_run=force_dry_run,
        clients=clients,
        run_id=run_id,
    )
    return runner.run(policies)
