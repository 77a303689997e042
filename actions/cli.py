"""`msp actions`: list the action log and pending approvals, approve a request, run playbooks."""

from __future__ import annotations

import argparse
import getpass
import json
import sys
import uuid
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from actions.log import ActionLog
    from actions.runner import Report


def add_commands(groups: argparse._SubParsersAction) -> None:
    """Hook the `actions` group into the `msp` parser."""
    actions = groups.add_parser("actions", help="playbooks, approvals and the action log")
    cmds = actions.add_subparsers(dest="command", required=True)
    listing = cmds.add_parser("list", help="pending approvals and the latest attempts")
    listing.add_argument("--last", type=int, default=20, help="attempts shown (default 20)")
    granted = cmds.add_parser("approve", help="approve a pending request by its id")
    granted.add_argument("id", type=int)
    granted.add_argument("--by", default=None, help="who approves (default: the login name)")
    run = cmds.add_parser("run", help="evaluate the published policies and act on them")
    run.add_argument(
        "--dry-run", action="store_true", help="send nothing; print and log the exact calls instead"
    )


def environment():
    from orchestration.environment import Environment

    env = Environment.from_env()
    env.export()  # local and ci point unset vendors at the emulator, as the pipeline does
    return env


def main(args: argparse.Namespace) -> int:
    # Imported here so that `msp sim ...` does not pay for DuckDB and dlt at start.
    from actions.approvals import ApprovalError, approve
    from actions.config import load_settings
    from actions.log import ActionLog
    from actions.runner import action_log_path, run_playbooks

    env = environment()
    action_log = ActionLog(action_log_path(env.data_dir))
    if args.command == "list":
        return list_actions(action_log, args.last)
    if args.command == "approve":
        by = f"user:{args.by or getpass.getuser()}"
        try:
            request = approve(action_log, args.id, by, run_id=f"cli-{uuid.uuid4().hex[:8]}")
        except ApprovalError as exc:
            print(f"msp actions approve: {exc}", file=sys.stderr)
            return 1
        print(
            f"approved {request.idempotency_key} (action {args.id}) as {by}; "
            "the next playbook run carries it out"
        )
        return 0

    if not env.serving_path.exists():
        print(
            f"msp actions run: no published warehouse at {env.serving_path}; run "
            "`make pipeline` first",
            file=sys.stderr,
        )
        return 1
    settings = load_settings(env.name)
    report = run_playbooks(
        env.serving_path,
        action_log,
        settings,
        decided_by=f"user:{getpass.getuser()} (msp actions run)",
        force_dry_run=args.dry_run,
    )
    print_report(report)
    return 1 if report.count("failed") else 0


def print_report(report: Report) -> None:
    for step in report.steps:
        print(step.line())
        if step.outcome == "skipped-dry-run" and step.call is not None:
            print(f"    body: {json.dumps(step.call.body, sort_keys=True)}")
    outcomes = sorted({step.outcome for step in report.steps})
    summary = ", ".join(f"{report.count(o)} {o}" for o in outcomes) or "nothing due"
    print(f"run {report.run_id}: {summary}")


def list_actions(action_log: ActionLog, last: int) -> int:
    from actions.approvals import pending_requests

    pending = pending_requests(action_log)
    print(f"{len(pending)} request(s) waiting for approval:")
    for entry in pending:
        row = entry.inputs
        print(
            f"  {entry.attempt_id:>5}  {entry.idempotency_key}  company {entry.company_id}  "
            f"{row.get('device_name')}  {row.get('threat_name')}  agent "
            f"{row.get('sentinelone_agent_id')}"
        )
    entries = action_log.entries()[-last:] if last > 0 else []
    print(f"latest {len(entries)} attempt(s):")
    for e in entries:
        call = f"{e.method} {e.path}" if e.method else "-"
        status = e.status_code if e.status_code is not None else ""
        print(
            f"  {e.attempt_id:>5}  {e.recorded_at}  {e.outcome:<16} {e.step:<16} "
            f"{e.idempotency_key}  {call} {status}  by {e.decided_by}"
        )
    return 0
