"""The action log: every attempt a playbook or a person makes, append-only, in SQLite.

Why SQLite and not the warehouse: playbooks run while dbt may hold the DuckDB build file and
readers hold the serving file; a small SQLite file in WAL mode never waits on either, and its
readers never block its writer.

Two tables, both append-only (triggers refuse UPDATE and DELETE):
- `attempts`: written before any call is made, so a crash between the call and its answer
  leaves an attempt with no outcome, which the next run reconciles instead of repeating.
- `outcomes`: one row per attempt once the answer (or the decision) is known.
The view `action_log` joins them: one row per attempt, outcome `in-flight` while none is known.
No credential is ever written: calls are logged as method, path and body only.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

OUTCOMES = ("done", "failed", "skipped-dry-run", "pending-approval", "approved", "refused")

SCHEMA = f"""
create table if not exists attempts (
    attempt_id integer primary key autoincrement,
    recorded_at text not null,
    run_id text not null,
    decided_by text not null,
    playbook text not null,
    idempotency_key text not null,
    step text not null,
    step_key text not null,
    company_id integer,
    inputs text not null,
    method text,
    path text,
    request_body text,
    is_dry_run integer not null
);
create index if not exists attempts_by_key on attempts (idempotency_key);
create table if not exists outcomes (
    attempt_id integer primary key references attempts (attempt_id),
    recorded_at text not null,
    outcome text not null check (outcome in ({", ".join(f"'{o}'" for o in OUTCOMES)})),
    status_code integer,
    response_excerpt text,
    ticket_id integer
);
create trigger if not exists attempts_append_only_u before update on attempts
    begin select raise(abort, 'the action log is append-only'); end;
create trigger if not exists attempts_append_only_d before delete on attempts
    begin select raise(abort, 'the action log is append-only'); end;
create trigger if not exists outcomes_append_only_u before update on outcomes
    begin select raise(abort, 'the action log is append-only'); end;
create trigger if not exists outcomes_append_only_d before delete on outcomes
    begin select raise(abort, 'the action log is append-only'); end;
create view if not exists action_log as
    select
        attempts.*,
        coalesce(outcomes.outcome, 'in-flight') as outcome,
        outcomes.status_code,
        outcomes.response_excerpt,
        outcomes.ticket_id,
        outcomes.recorded_at as finished_at
    from attempts
    left join outcomes using (attempt_id);
"""


@dataclass(frozen=True)
class Entry:
    """One row of `action_log`."""

    attempt_id: int
    recorded_at: str
    run_id: str
    decided_by: str
    playbook: str
    idempotency_key: str
    step: str
    step_key: str
    company_id: int | None
    inputs: dict[str, Any]
    method: str | None
    path: str | None
    request_body: Any
    is_dry_run: bool
    outcome: str
    status_code: int | None
    response_excerpt: str | None
    ticket_id: int | None
    finished_at: str | None


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class ActionLog:
    """The log file of one environment, opened per operation so nothing holds it between runs."""

    def __init__(self, path: Path):
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self.connect() as con:
            con.executescript(SCHEMA)

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        with closing(sqlite3.connect(self.path, timeout=30)) as con:
            con.execute("pragma journal_mode=wal")
            with con:
                yield con

    def begin(
        self,
        *,
        run_id: str,
        decided_by: str,
        playbook: str,
        idempotency_key: str,
        step: str,
        step_key: str,
        company_id: int | None,
        inputs: dict[str, Any],
        method: str | None = None,
        path: str | None = None,
        body: Any = None,
        is_dry_run: bool = False,
    ) -> int:
        """Record an attempt before anything is called; returns its id."""
        with self.connect() as con:
            cursor = con.execute(
                "insert into attempts (recorded_at, run_id, decided_by, playbook, "
                "idempotency_key, step, step_key, company_id, inputs, method, path, "
                "request_body, is_dry_run) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    utc_now(),
                    run_id,
                    decided_by,
                    playbook,
                    idempotency_key,
                    step,
                    step_key,
                    company_id,
                    json.dumps(inputs, default=str, sort_keys=True),
                    method,
                    path,
                    None if body is None else json.dumps(body, sort_keys=True),
                    int(is_dry_run),
                ),
            )
            return int(cursor.lastrowid)

    def finish(
        self,
        attempt_id: int,
        outcome: str,
        *,
        status_code: int | None = None,
        response_excerpt: str | None = None,
        ticket_id: int | None = None,
    ) -> None:
        if outcome not in OUTCOMES:
            raise ValueError(f"outcome {outcome!r} is not one of {OUTCOMES}")
        with self.connect() as con:
            con.execute(
                "insert into outcomes (attempt_id, recorded_at, outcome, status_code, "
                "response_excerpt, ticket_id) values (?, ?, ?, ?, ?, ?)",
                (attempt_id, utc_now(), outcome, status_code, response_excerpt, ticket_id),
            )

    def entries(self, idempotency_key: str | None = None) -> list[Entry]:
        """Every attempt in order, or those of one idempotency key."""
        query = "select * from action_log"
        params: tuple = ()
        if idempotency_key is not None:
            query += " where idempotency_key = ?"
            params = (idempotency_key,)
        with self.connect() as con:
            con.row_factory = sqlite3.Row
            rows = con.execute(query + " order by attempt_id", params).fetchall()
        return [entry_from(row) for row in rows]


def entry_from(row: sqlite3.Row) -> Entry:
    values = dict(row)
    values["inputs"] = json.loads(values["inputs"])
    body = values["request_body"]
    values["request_body"] = None if body is None else json.loads(body)
    values["is_dry_run"] = bool(values["is_dry_run"])
    return Entry(**values)
