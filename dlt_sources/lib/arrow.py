"""Turn a page of vendor records into one Arrow table with a fixed schema, plus quarantine rows.

One explicit schema per resource keeps every page (and every run) in the same types, so the
lake never holds two spellings of one column. Nested objects stay structs; DuckDB unnests them
in staging. Records that cannot be trusted (no key, unreadable cursor, wrong types) are not
dropped: they come back as quarantine rows with the reason and the record as JSON text.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import orjson
import pyarrow as pa
import pyarrow.compute as pc

log = logging.getLogger(__name__)

UTC_MICROS = pa.timestamp("us", tz="UTC")
LOADED_AT = "_loaded_at"
EXTRA = "_extra"


@dataclass(frozen=True)
class TableSpec:
    """How one resource's records become Arrow rows.

    `cursor` is the path of the record's last-change timestamp (for example `_info/lastUpdated`);
    it is copied, parsed, into the top-level `cursor_column` that dlt's incremental reads.
    `json_fields` are top-level fields whose values mix types (custom field values); they are
    kept as JSON text. Top-level fields the schema does not know land in `_extra` as JSON.
    """

    schema: pa.Schema
    primary_key: str = "id"
    cursor: str | None = None
    cursor_column: str = "last_updated_at"
    json_fields: tuple[str, ...] = ()

    def output_schema(self) -> pa.Schema:
        schema = self.schema
        if self.cursor:
            schema = schema.append(pa.field(self.cursor_column, UTC_MICROS))
        return schema.append(pa.field(EXTRA, pa.string())).append(pa.field(LOADED_AT, UTC_MICROS))


@dataclass
class Page:
    table: pa.Table | None
    quarantine: list[dict]


def to_arrow(records: list[dict], spec: TableSpec, loaded_at: datetime) -> Page:
    """Convert one page; the records are modified in place (JSON fields encoded)."""
    encode_json_fields(records, spec.json_fields)
    table, rejected = build_table(records, spec.schema)
    extras = unknown_fields(records, spec.schema)

    keep = pc.is_valid(table[spec.primary_key])
    reasons = [None if ok else f"missing {spec.primary_key}" for ok in keep.to_pylist()]
    if spec.cursor:
        cursor, bad_cursor = parse_cursor(table, spec.cursor)
        for i, problem in bad_cursor.items():
            reasons[i] = reasons[i] or problem
        table = table.append_column(pa.field(spec.cursor_column, UTC_MICROS), cursor)
    table = table.append_column(
        pa.field(EXTRA, pa.string()),
        pa.array(
            [extras.get(i) for i in range(len(table))]
            if extras
            else pa.nulls(len(table), pa.string())
        ),
    )
    table = table.append_column(
        pa.field(LOADED_AT, UTC_MICROS), pa.array([loaded_at] * len(table), UTC_MICROS)
    )

    good_rows = [i for i, r in enumerate(reasons) if r is None]
    quarantine = [
        rejected_row(records[i], reasons[i], spec, loaded_at)
        for i in range(len(table))
        if reasons[i] is not None
    ]
    quarantine += [rejected_row(r, why, spec, loaded_at) for r, why in rejected]
    if len(good_rows) < len(table):
        table = table.take(pa.array(good_rows, pa.int64()))
    return Page(with_required_key(table, spec.primary_key) if len(table) else None, quarantine)


def with_required_key(table: pa.Table, key: str) -> pa.Table:
    """Mark the key column non-null (rows without one were taken out), as dlt's key hint says."""
    index = table.schema.get_field_index(key)
    return table.cast(table.schema.set(index, table.schema.field(index).with_nullable(False)))


def encode_json_fields(records: list[dict], names: tuple[str, ...]) -> None:
    for name in names:
        for record in records:
            value = record.get(name)
            if value is not None:
                record[name] = orjson.dumps(value).decode()


def unknown_fields(records: list[dict], schema: pa.Schema) -> dict[int, str]:
    """Top-level fields the schema does not know, as JSON text by row position."""
    known = set(schema.names)
    extras: dict[int, str] = {}
    for i, record in enumerate(records):
        unknown = record.keys() - known
        if unknown:
            extras[i] = orjson.dumps({k: record[k] for k in sorted(unknown)}).decode()
    if extras:
        log.warning(
            "%d record(s) carry fields outside the schema, kept in %s: %s",
            len(extras),
            EXTRA,
            sorted(orjson.loads(next(iter(extras.values())))),
        )
    return extras


def build_table(records: list[dict], schema: pa.Schema) -> tuple[pa.Table, list[tuple]]:
    """All records in one go; when a type does not fit, find the offending records one by one."""
    try:
        return pa.Table.from_pylist(records, schema=schema), []
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):
        pass
    good, rejected = [], []
    for record in records:
        try:
            pa.Table.from_pylist([record], schema=schema)
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as exc:
            rejected.append((record, f"does not fit the schema: {exc}"[:500]))
        else:
            good.append(record)
    records[:] = good
    return pa.Table.from_pylist(good, schema=schema), rejected


def parse_cursor(table: pa.Table, path: str) -> tuple[pa.Array, dict[int, str]]:
    """Parse the cursor timestamps; rows without one, or with an unreadable one, are reported."""
    column: pa.ChunkedArray | pa.Array = table
    for part in path.split("/"):
        column = column[part] if isinstance(column, pa.Table) else pc.struct_field(column, part)
    raw = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    problems = {i: f"missing {path}" for i, v in enumerate(pc.is_null(raw).to_pylist()) if v}
    try:
        return pc.cast(raw, UTC_MICROS), problems
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    parsed = []
    for i, text in enumerate(raw.to_pylist()):
        value = None
        if text is not None:
            try:
                value = datetime.fromisoformat(text.replace("Z", "+00:00"))
                if value.tzinfo is None:
                    raise ValueError("no time zone")
            except ValueError:
                problems[i] = f"unparseable {path}: {text!r}"[:200]
                value = None
        parsed.append(value)
    return pa.array(parsed, UTC_MICROS), problems


def rejected_row(record: dict, reason: str, spec: TableSpec, loaded_at: datetime) -> dict:
    key = record.get(spec.primary_key)
    return {
        "record_key": None if key is None else str(key),
        "reason": reason,
        "record_json": orjson.dumps(record, default=str).decode(),
        LOADED_AT: loaded_at,
    }
