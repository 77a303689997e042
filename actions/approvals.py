"""Approvals: the only way a destructive step (network isolation) becomes due.

An approval is a row in the action log with outcome `approved`, naming who approved which
pending request. It is refused unless the request is the live one of its key: pending, not yet
approved, and not withdrawn by a closed episode.
"""

from __future__ import annotations

from actions.log import ActionLog, Entry
from actions.playbooks import key_state


class ApprovalError(ValueError):
    """The id given is not a request that can be approved now."""


def pending_requests(action_log: ActionLog) -> list[Entry]:
    """Requests for approval that are live and not approved yet."""
    entries = action_log.entries()
    pending = []
    for entry in entries:
        if entry.outcome != "pending-approval":
            continue
        state = key_state(
            entry.idempotency_key,
            [e for e in entries if e.idempotency_key == entry.idempotency_key],
        )
        if state.approval_id == entry.attempt_id and state.approved_by is None:
            pending.append(entry)
    return pending


def approve(action_log: ActionLog, approval_id: int, approved_by: str, run_id: str) -> Entry:
    """Record the approval of request `approval_id`; returns the request approved."""
    request = next((e for e in action_log.entries() if e.attempt_id == approval_id), None)
    if request is None or request.outcome != "pending-approval":
        raise ApprovalError(
            f"action {approval_id} is not a request for approval; "
            "`msp actions list` shows the pending ones"
        )
    state = key_state(request.idempotency_key, action_log.entries(request.idempotency_key))
    if state.approval_id != approval_id:
        raise ApprovalError(
            f"action {approval_id} was withdrawn (its problem cleared); nothing to approve"
        )
    if state.approved_by is not None:
        raise ApprovalError(f"action {approval_id} was already approved by {state.approved_by}")
    attempt = action_log.begin(
        run_id=run_id,
        decided_by=approved_by,
        playbook=request.playbook,
        idempotency_key=request.idempotency_key,
        step="approve",
        step_key=state.step_key("approve"),
        company_id=request.company_id,
        inputs={"approval_id": approval_id},
    )
    action_log.finish(attempt, "approved")
    return request
