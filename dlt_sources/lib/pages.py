"""The resource side of ingestion: pages in, Arrow tables and quarantine rows out to dlt."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import dlt
import pyarrow as pa

from dlt_sources.lib.arrow import LOADED_AT, UTC_MICROS, TableSpec, to_arrow

log = logging.getLogger(__name__)


def quarantine_table(resource: str) -> str:
    return f"{resource}__quarantine"


def lagged_cursor(column: str, lag_seconds: float) -> Any:
    """An incremental cursor on a timestamp column that looks back `lag_seconds` every run.

    The look-back re-reads records changed just before the last run's maximum, so late writes
    (a record saved with an older timestamp after the previous run passed it) are not missed.
    Quarantine rows have a null cursor; `include` lets them through to their own table. No
    primary key: the look-back re-reads records on purpose and staging dedupes them by key.
    """
    return dlt.sources.incremental(column, lag=lag_seconds, primary_key=(),
                                   on_cursor_value_missing="include")


def cursor_start(updated: Any) -> datetime | None:
    """Where this run starts: the stored maximum minus the lag, or None on the first run."""
    if updated is None or updated.start_value is None:
        return None
    value = updated.start_value
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value.astimezone(UTC)


def quarantine_arrow(rows: list[dict], spec: TableSpec) -> pa.Table:
    """Quarantine rows as Arrow, like the good rows, so dlt's incremental treats both alike.

    The record's key is kept as text (it may be what failed). The cursor column is present but
    always null, so the incremental neither moves on quarantine rows nor filters them out.
    """
    columns = {
        "record_key": pa.array([r["record_key"] for r in rows], pa.string()),
        "reason": pa.array([r["reason"] for r in rows], pa.string()),
        "record_json": pa.array([r["record_json"] for r in rows], pa.string()),
        LOADED_AT: pa.array([r[LOADED_AT] for r in rows], UTC_MICROS),
    }
    if spec.cursor:
        columns[spec.cursor_column] = pa.nulls(len(rows), UTC_MICROS)
    return pa.table(columns)


def arrow_pages(pages: Iterable[list[dict]], spec: TableSpec, resource: str) -> Iterator[Any]:
    """Yield each page as one Arrow table; rejected records go to `<resource>__quarantine`."""
    loaded_at = datetime.now(UTC)
    started = time.monotonic()
    rows = rejected = 0
    for records in pages:
        page = to_arrow(records, spec, loaded_at)
        if page.table is not None:
            rows += page.table.num_rows
            yield page.table
        if page.quarantine:
            rejected += len(page.quarantine)
            log.warning("%s: %d record(s) quarantined, first reason: %s", resource,
                        len(page.quarantine), page.quarantine[0]["reason"])
            hints = dlt.mark.make_hints(table_name=quarantine_table(resource), primary_key=[])
            yield dlt.mark.with_hints(quarantine_arrow(page.quarantine, spec), hints,
                                      create_table_variant=True)
    if rows == 0:  # an empty answer still lands a file, so staging always finds its folder
        yield spec.output_schema().empty_table()
    log.info("%s: %d rows, %d quarantined, %.2f s", resource, rows, rejected,
             time.monotonic() - started)
