"""The resource side of ingestion: pages in, Arrow tables and quarantine rows out to dlt."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

import dlt
import pyarrow as pa

from dlt_sources.lib.arrow import LOADED_AT, UTC_MICROS, TableSpec, to_arrow, with_required_key
from dlt_sources.lib.readahead import paused_gc, read_ahead

log = logging.getLogger(__name__)

# Rows per table handed to dlt: large enough that dlt's cost per item is small beside the
# rows, small enough that a batch of wide records stays a few tens of megabytes.
BATCH_ROWS = 10_000


def quarantine_table(resource: str) -> str:
    return f"{resource}__quarantine"


def lagged_cursor(column: str, lag_seconds: float) -> Any:
    """An incremental cursor on a timestamp column that looks back `lag_seconds` every run.

    The look-back re-reads records changed just before the last run's maximum, so late writes
    (a record saved with an older timestamp after the previous run passed it) are not missed.
    Quarantine rows have a null cursor; `include` lets them through to their own table. No
    primary key: the look-back re-reads records on purpose and staging dedupes them by key.
    """
    return dlt.sources.incremental(
        column, lag=lag_seconds, primary_key=(), on_cursor_value_missing="include"
    )


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


def arrow_pages(
    pages: Iterable[list[dict]], spec: TableSpec, resource: str, batch_rows: int = BATCH_ROWS
) -> Iterator[Any]:
    """Yield the pages as Arrow tables of about `batch_rows` rows; rejected records go to
    `<resource>__quarantine`.

    Three things keep this near the speed of a hand-written loader, or past it. The next page
    is fetched by a thread while this one is converted (`read_ahead`), so waiting on the vendor
    overlaps with work. dlt spends a fixed cost on every item it receives (schema and
    configuration look-ups), so pages are joined into larger tables before they are handed
    over. And the cyclic garbage collector stays paused while a page is parsed and converted,
    until its records are freed: a page makes tens of thousands of dicts, and with the
    collector running each burst sets off passes that walk everything the pipeline holds. Page
    records hold no cycles, so nothing is left behind.
    """
    loaded_at = datetime.now(UTC)
    started = time.monotonic()
    rows = rejected = 0
    batch: list[pa.Table] = []
    source = read_ahead(pages, name=resource)
    while True:
        with paused_gc():
            records = next(source, None)
            if records is None:
                break
            page = to_arrow(records, spec, loaded_at)
            del records  # freed while the collector is paused: it never has to walk them
        if page.table is not None:
            rows += page.table.num_rows
            batch.append(page.table)
            if sum(t.num_rows for t in batch) >= batch_rows:
                yield joined(batch, spec)
                batch = []
        if page.quarantine:
            rejected += len(page.quarantine)
            log.warning(
                "%s: %d record(s) quarantined, first reason: %s",
                resource,
                len(page.quarantine),
                page.quarantine[0]["reason"],
            )
            hints = dlt.mark.make_hints(table_name=quarantine_table(resource), primary_key=[])
            yield dlt.mark.with_hints(
                quarantine_arrow(page.quarantine, spec), hints, create_table_variant=True
            )
    if batch:
        yield joined(batch, spec)
    if rows == 0:  # an empty answer still lands a file, so staging always finds its folder
        yield spec.output_schema().empty_table()
    log.info(
        "%s: %d rows, %d quarantined, %.2f s", resource, rows, rejected, time.monotonic() - started
    )


def joined(tables: list[pa.Table], spec: TableSpec) -> pa.Table:
    """One table of the batch's pages, its key column marked required as dlt's key hint says."""
    return with_required_key(pa.concat_tables(tables), spec.primary_key)
