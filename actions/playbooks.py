"""The two playbooks as pure decisions: given a policy row (or its absence) and what the action
log says already happened for that idempotency key, which steps are due now.

Nothing here calls a vendor or writes a file, so every rule is unit-tested with small inputs.

An idempotency key lives through episodes: an episode starts when the policy first lists the
key and ends when its ticket is resolved. Every step carries a step key `<key>#<episode>/<step>`
(follow-up notes add the policy evaluation they answer), and a step whose key is done in the
log is never due again; that is what keeps re-runs and retries from repeating an action.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from actions.log import Entry

BACKUP = "backup_not_covered"
THREAT = "contain_threat"

# Steps that send something to a vendor; the others are decisions recorded in the log only.
VENDOR_STEPS = (
    "create_ticket",
    "add_note",
    "closing_note",
    "resolve_ticket",
    "disconnect",
    "contained_note",
)


@dataclass(frozen=True)
class KeyState:
    """What the log says about one idempotency key, dry runs left out."""

    idempotency_key: str
    episode: int = 0
    company_id: int | None = None
    ticket_id: int | None = None
    done_steps: frozenset[str] = frozenset()
    last_note_at: datetime | None = None
    noted_evaluations: frozenset[str] = frozenset()  # policy evaluations already answered
    approval_id: int | None = None
    approved_by: str | None = None

    def step_key(self, step: str, discriminator: str | None = None) -> str:
        base = f"{self.idempotency_key}#{self.episode}/{step}"
        return f"{base}/{discriminator}" if discriminator else base

    def is_done(self, step: str, discriminator: str | None = None) -> bool:
        return self.step_key(step, discriminator) in self.done_steps

    @property
    def is_open(self) -> bool:
        """A ticket was raised in this episode and is not resolved yet."""
        return self.ticket_id is not None


def key_state(idempotency_key: str, entries: Sequence[Entry]) -> KeyState:
    """Fold the log entries of one key into its current episode."""
    real = [e for e in entries if not e.is_dry_run and e.idempotency_key == idempotency_key]
    done = [e for e in real if e.outcome in ("done", "pending-approval", "approved")]
    episode = sum(1 for e in done if e.step == "resolve_ticket")
    prefix = f"{idempotency_key}#{episode}/"
    current = [e for e in done if e.step_key.startswith(prefix)]

    tickets = [e.ticket_id for e in current if e.step == "create_ticket" and e.ticket_id]
    notes = [e for e in current if e.step in ("create_ticket", "add_note")]
    requests = [e for e in current if e.outcome == "pending-approval"]
    approvals = [e for e in current if e.outcome == "approved"]
    company = next((e.company_id for e in reversed(real) if e.company_id is not None), None)
    return KeyState(
        idempotency_key=idempotency_key,
        episode=episode,
        company_id=company,
        ticket_id=tickets[-1] if tickets else None,
        done_steps=frozenset(e.step_key for e in current),
        last_note_at=max(
            (datetime.fromisoformat(e.finished_at) for e in notes if e.finished_at), default=None
        ),
        noted_evaluations=frozenset(str(e.inputs.get("policy_built_at")) for e in notes),
        approval_id=requests[-1].attempt_id if requests else None,
        approved_by=approvals[-1].decided_by if approvals else None,
    )


@dataclass(frozen=True)
class Plan:
    """One step that is due: what to do, for which key, with the words it carries."""

    playbook: str
    idempotency_key: str
    step: str
    step_key: str
    company_id: int
    ticket_id: int | None = None  # None: the ticket created earlier in the same plan
    summary: str = ""
    text: str = ""
    agent_id: str | None = None
    inputs: Mapping[str, Any] = field(default_factory=dict)

    @property
    def calls_vendor(self) -> bool:
        return self.step in VENDOR_STEPS


def when(value: object) -> str:
    """A timestamp as people read it in a ticket; `never` for a missing one."""
    if value is None:
        return "never"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return str(value)


def backup_summary(row: Mapping[str, Any]) -> str:
    return f"Backup not covered: {row['device_name']}"[:100]


def backup_evidence(row: Mapping[str, Any]) -> str:
    cove = (
        f"Cove last good backup: {when(row.get('cove_last_good_at'))} "
        f"(last session: {row.get('cove_last_status') or 'none'})"
        if row.get("cove_account_id")
        else "Cove: the device has no Cove account"
    )
    return "\n".join(
        [
            f"{row['device_name']} ({row.get('device_kind') or 'device'}, "
            f"{row['device_id']}) has no recent good backup in any product.",
            f"Veeam last run: {row.get('veeam_last_status')} at {when(row.get('veeam_failed_at'))}"
            f" - {row.get('veeam_failure_message') or 'no message'}",
            cove,
            f"Last good backup in either product: {when(row.get('last_good_backup_at'))}",
            f"Evaluated by policy_backup_not_covered at {when(row.get('policy_built_at'))}; "
            f"key {row['idempotency_key']}.",
        ]
    )


def threat_summary(row: Mapping[str, Any]) -> str:
    name = row.get("device_name") or row["device_id"]
    return f"Approval needed: isolate {name} ({row.get('threat_name')})"[:100]


def threat_evidence(row: Mapping[str, Any], approval_hint: str) -> str:
    return "\n".join(
        [
            f"SentinelOne reports {row.get('threat_name')} ({row.get('classification')}, "
            f"confidence {row.get('confidence_level')}) on server {row.get('device_name')}, "
            f"detected {when(row.get('threat_created_at'))}, still {row.get('incident_status')}.",
            f"Threat {row['threat_id']}, agent {row['sentinelone_agent_id']}.",
            "The contain-threat playbook asks for approval to disconnect this endpoint from the "
            f"network. {approval_hint}",
        ]
    )


def decide_backup(
    idempotency_key: str,
    row: Mapping[str, Any] | None,
    state: KeyState,
    *,
    note_every_hours: float,
    now: datetime,
) -> list[Plan]:
    """First listing: a ticket. Still listed at a new evaluation: one note. Gone: close once."""
    if row is not None:
        company = int(row["company_id"])
        plan = dict(
            playbook=BACKUP, idempotency_key=idempotency_key, company_id=company, inputs=row
        )
        if state.ticket_id is None:
            return [
                Plan(
                    step="create_ticket",
                    step_key=state.step_key("create_ticket"),
                    summary=backup_summary(row),
                    text=backup_evidence(row),
                    **plan,
                )
            ]
        evaluation = str(row.get("policy_built_at"))
        recent = (
            note_every_hours > 0
            and state.last_note_at is not None
            and now - state.last_note_at < timedelta(hours=note_every_hours)
        )
        if evaluation in state.noted_evaluations or recent:
            return []
        text = "Still not covered at this evaluation.\n" + backup_evidence(row)
        return [
            Plan(
                step="add_note",
                step_key=state.step_key("add_note", evaluation),
                ticket_id=state.ticket_id,
                text=text,
                **plan,
            )
        ]
    return close_plans(
        BACKUP,
        idempotency_key,
        state,
        "Resolved by the backup-not-covered playbook: the device has a good "
        "backup again (it is no longer listed by policy_backup_not_covered).",
    )


def close_plans(playbook: str, idempotency_key: str, state: KeyState, text: str) -> list[Plan]:
    """A closing note and the resolved status, each once; nothing when no ticket is open."""
    if state.ticket_id is None or state.company_id is None:
        return []
    common = dict(
        playbook=playbook,
        idempotency_key=idempotency_key,
        company_id=state.company_id,
        ticket_id=state.ticket_id,
    )
    plans = []
    if not state.is_done("closing_note"):
        plans.append(
            Plan(step="closing_note", step_key=state.step_key("closing_note"), text=text, **common)
        )
    plans.append(Plan(step="resolve_ticket", step_key=state.step_key("resolve_ticket"), **common))
    return plans


def decide_threat(
    idempotency_key: str, row: Mapping[str, Any] | None, state: KeyState, *, approve_hint: str
) -> list[Plan]:
    """Ask for approval with a ticket; once approved, disconnect and note it; never before."""
    if row is None:
        if state.is_done("disconnect"):
            # Known limit: an isolated endpoint stays isolated after its threat is resolved;
            # reconnecting it is left to a technician, who also closes the ticket.
            return []
        return close_plans(
            THREAT,
            idempotency_key,
            state,
            "The threat is no longer active in SentinelOne; the request to "
            "isolate this endpoint is withdrawn and nothing was disconnected.",
        )

    common = dict(
        playbook=THREAT,
        idempotency_key=idempotency_key,
        company_id=int(row["company_id"]),
        inputs=row,
    )
    plans = []
    if state.approval_id is None:
        plans.append(
            Plan(step="request_approval", step_key=state.step_key("request_approval"), **common)
        )
    if state.ticket_id is None:
        plans.append(
            Plan(
                step="create_ticket",
                step_key=state.step_key("create_ticket"),
                summary=threat_summary(row),
                text=threat_evidence(row, approve_hint),
                **common,
            )
        )
    if state.approved_by is None:
        return plans
    if not state.is_done("disconnect"):
        plans.append(
            Plan(
                step="disconnect",
                step_key=state.step_key("disconnect"),
                agent_id=str(row["sentinelone_agent_id"]),
                **common,
            )
        )
    if not state.is_done("contained_note"):
        plans.append(
            Plan(
                step="contained_note",
                step_key=state.step_key("contained_note"),
                ticket_id=state.ticket_id,
                text=f"Endpoint {row.get('device_name')} (SentinelOne agent "
                f"{row['sentinelone_agent_id']}) was disconnected from the network by the "
                f"contain-threat playbook, approved by {state.approved_by}.",
                **common,
            )
        )
    return plans
