"""Pages become Arrow tables with a fixed schema; whatever cannot is quarantined with a reason;
pages read ahead in a thread arrive in order, with errors where they happened."""

import gc
import threading
import time
from datetime import UTC, datetime

import pyarrow as pa
import pytest

from dlt_sources.lib.arrow import TableSpec, to_arrow
from dlt_sources.lib.pages import arrow_pages
from dlt_sources.lib.readahead import paused_gc, read_ahead

LOADED = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
SPEC = TableSpec(
    pa.schema(
        [
            ("id", pa.int64()),
            ("name", pa.string()),
            ("_info", pa.struct([("lastUpdated", pa.string())])),
            ("customFields", pa.string()),
        ]
    ),
    cursor="_info/lastUpdated",
    json_fields=("customFields",),
)


def record(i: int, updated: str = "2026-11-30T09:00:00Z", **more) -> dict:
    return {"id": i, "name": f"ticket {i}", "_info": {"lastUpdated": updated}, **more}


def test_a_clean_page_keeps_every_record_in_the_fixed_schema():
    page = to_arrow([record(1, customFields=[{"id": 4, "value": 2}]), record(2)], SPEC, LOADED)

    assert page.quarantine == []
    assert page.table.column_names == [
        "id",
        "name",
        "_info",
        "customFields",
        "last_updated_at",
        "_extra",
        "_loaded_at",
    ]
    assert page.table["id"].to_pylist() == [1, 2]
    assert page.table["customFields"].to_pylist() == ['[{"id":4,"value":2}]', None]
    assert page.table["last_updated_at"].to_pylist() == [datetime(2026, 11, 30, 9, tzinfo=UTC)] * 2
    assert page.table["_loaded_at"].to_pylist() == [LOADED, LOADED]
    assert page.table["_extra"].null_count == 2


def test_bad_records_are_quarantined_with_their_reason_and_the_rest_load():
    records = [
        record(1),
        record(None),
        record(3, updated="yesterday"),
        {"id": "four", "name": "wrong type"},
        "not an object",
        record(6, severity="High"),
    ]

    page = to_arrow(records, SPEC, LOADED)

    assert page.table["id"].to_pylist() == [1, 6]
    assert page.table["_extra"].to_pylist() == [None, '{"severity":"High"}']
    reasons = {row["record_key"]: row["reason"] for row in page.quarantine}
    assert reasons[None] in ("missing id", "not a JSON object but str")
    assert "unparseable _info/lastUpdated" in reasons["3"]
    assert reasons["four"].startswith("does not fit the schema")
    assert sorted(row["reason"] for row in page.quarantine if row["record_key"] is None) == [
        "missing id",
        "not a JSON object but str",
    ]
    assert len(page.quarantine) == 4


def test_arrow_pages_batches_pages_and_routes_quarantine_to_its_own_table():
    pages = [[record(i) for i in range(start, start + 3)] for start in (0, 3, 6)]
    pages[1].append(record(None))

    items = list(arrow_pages(pages, SPEC, "tickets", batch_rows=5))

    tables = [item for item in items if isinstance(item, pa.Table)]
    hinted = [item for item in items if not isinstance(item, pa.Table)]
    assert [t.num_rows for t in tables] == [6, 3]
    assert [i for t in tables for i in t["id"].to_pylist()] == list(range(9))
    assert not tables[0].schema.field("id").nullable
    assert len(hinted) == 1 and hinted[0].meta.hints["table_name"] == "tickets__quarantine"


def test_read_ahead_keeps_order_and_raises_where_the_fetch_failed():
    def pages():
        yield [1]
        yield [2]
        raise RuntimeError("HTTP 500 on page 3")

    seen = []
    with pytest.raises(RuntimeError, match="page 3"):
        for page in read_ahead(pages()):
            seen.append(page)
    assert seen == [[1], [2]]


def test_closing_read_ahead_early_stops_its_thread():
    fetched = []

    def endless():
        i = 0
        while True:
            fetched.append(i)
            yield [i]
            i += 1

    reader = read_ahead(endless(), depth=2, name="endless")
    assert next(reader) == [0]
    reader.close()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and any(
        t.name == "read-ahead endless" for t in threading.enumerate()
    ):
        time.sleep(0.05)
    assert not any(t.name == "read-ahead endless" for t in threading.enumerate())
    assert len(fetched) <= 5  # the first page, two queued, and at most one in hand


def test_paused_gc_nests_across_threads_and_restores_the_collector():
    assert gc.isenabled()
    inner_released = threading.Event()

    def other_thread():
        with paused_gc():
            inner_released.wait(5)

    with paused_gc():
        thread = threading.Thread(target=other_thread)
        thread.start()
        time.sleep(0.05)
    assert not gc.isenabled()  # the other thread still holds its pause
    inner_released.set()
    thread.join()
    assert gc.isenabled()

    gc.disable()
    try:
        with paused_gc():
            pass
        assert not gc.isenabled()  # a collector switched off by someone else stays off
    finally:
        gc.enable()
