"""Readers never block the writer: readers query serving.duckdb in a loop, from a thread and
from other processes, while the writer rebuilds build.duckdb and publishes it several times."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from orchestration.serving import publish

BASE_ROWS = 200_000
PUBLISHES = 6
MIN_QUERIES = 60

# A reader in its own process, as Superset or an analyst is: one read-only connection per query
# until the stop file appears; or, with "hold", one connection kept open the whole time.
READER = r"""
import json, pathlib, sys, time
import duckdb
path, stop, mode = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3]
QUERY = "select min(version), max(version), count(*) from marts.snapshot"
seen, errors, held = [], [], None
if mode == "hold":
    held = duckdb.connect(path, read_only=True)
    seen.append(held.execute(QUERY).fetchone())
    print("ready", flush=True)
while not stop.exists():
    try:
        if held is not None:
            seen.append(held.execute(QUERY).fetchone())
        else:
            with duckdb.connect(path, read_only=True) as con:
                seen.append(con.execute(QUERY).fetchone())
    except Exception as exc:
        errors.append(repr(exc))
    time.sleep(0.01)
print(json.dumps({"seen": seen, "errors": errors}), flush=True)
"""

QUERY = "select min(version), max(version), count(*) from marts.snapshot"


def rebuild(build_path: Path, version: int) -> None:
    """What dbt does to the build file, in small: replace a mart and a view over it."""
    with duckdb.connect(str(build_path)) as con:
        con.execute("create schema if not exists marts")
        con.execute(
            f"create or replace table marts.snapshot as select {version} as version, "
            f"range as n, md5(range::varchar) as payload "
            f"from range({BASE_ROWS + version})"
        )
        con.execute("create or replace view marts.latest as select * from marts.snapshot")


def consistent(row: list | tuple) -> bool:
    """A whole published version: one version throughout, with that version's row count."""
    low, high, count = row
    return low == high and count == BASE_ROWS + low


def start_reader(path: Path, stop: Path, mode: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", READER, str(path), str(stop), mode],
        stdout=subprocess.PIPE,
        text=True,
    )


def reader_thread(path: Path, stop: threading.Event, seen: list, errors: list) -> None:
    while not stop.is_set():
        try:
            with duckdb.connect(str(path), read_only=True) as con:
                seen.append(con.execute(QUERY).fetchone())
        except Exception as exc:  # every error is counted and asserted on
            errors.append(repr(exc))
        time.sleep(0.005)


def test_readers_never_block_the_writer(tmp_path):
    build, serving, stop_file = (
        tmp_path / "build.duckdb",
        tmp_path / "serving.duckdb",
        tmp_path / "stop",
    )
    rebuild(build, 1)
    publish(build, serving)

    holder = start_reader(serving, stop_file, "hold")
    assert holder.stdout.readline().strip() == "ready"
    looper = start_reader(serving, stop_file, "loop")
    stop, seen, errors = threading.Event(), [], []
    thread = threading.Thread(target=reader_thread, args=(serving, stop, seen, errors))
    thread.start()

    writer_errors, publish_seconds = [], []
    try:
        for version in range(2, PUBLISHES + 2):
            time.sleep(0.2)
            rebuild(build, version)
            publish_seconds.append(publish(build, serving).seconds)
        deadline = time.monotonic() + 20
        while (
            len(seen) < MIN_QUERIES or seen[-1][0] != PUBLISHES + 1
        ) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # the process reader's next queries open the last publish too
    except Exception as exc:
        writer_errors.append(repr(exc))
    finally:
        stop.set()
        stop_file.touch()
        thread.join(timeout=30)
        held = json.loads(holder.communicate(timeout=30)[0])
        looped = json.loads(looper.communicate(timeout=30)[0])

    final = PUBLISHES + 1
    versions = {row[0] for row in seen + looped["seen"]}
    print(
        f"\nthread reader: {len(seen)} queries, process reader: {len(looped['seen'])}, "
        f"held reader: {len(held['seen'])}; versions seen {sorted(versions)}; "
        f"publish {min(publish_seconds):.3f}-{max(publish_seconds):.3f} s"
    )

    assert writer_errors == []
    assert errors == [] and looped["errors"] == [] and held["errors"] == []
    assert len(seen) >= MIN_QUERIES and len(looped["seen"]) >= MIN_QUERIES
    assert all(consistent(row) for row in seen + looped["seen"] + held["seen"])
    assert len(versions) >= 3 and max(versions) == final
    assert seen[-1][0] == final and looped["seen"][-1][0] == final
    # A connection kept open reads the database it opened until it reconnects.
    assert {row[0] for row in held["seen"]} == {1}
    with duckdb.connect(str(serving), read_only=True) as con:
        assert con.execute(QUERY).fetchone() == (final, final, BASE_ROWS + final)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build.duckdb", "serving.duckdb", "stop"]


def test_a_reader_of_the_build_file_would_block_the_writer(tmp_path):
    """Why the serving file exists: the same reader on the build file stops dbt and publish."""
    build, serving, stop_file = (
        tmp_path / "build.duckdb",
        tmp_path / "serving.duckdb",
        tmp_path / "stop",
    )
    rebuild(build, 1)
    holder = start_reader(build, stop_file, "hold")
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(duckdb.IOException, match="lock"):
            rebuild(build, 2)
        with pytest.raises(duckdb.IOException, match="lock"):
            publish(build, serving)
    finally:
        stop_file.touch()
        holder.communicate(timeout=30)
    assert not serving.exists()
