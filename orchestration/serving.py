"""Readers never block the writer: dbt writes one DuckDB file, readers open another.

DuckDB lets one process write a database file or several read it, never both at once: a
dashboard holding the warehouse open makes `dbt build` fail on the file lock, and a running
build makes the dashboard fail. So the warehouse is two files in one folder:

- `build.duckdb` is written by dbt and opened by nothing else.
- `serving.duckdb` is what Superset, analysts and the API open, always `read_only=True`.

`publish` turns a finished build into the serving file: it checkpoints and closes the build
(so the whole database is in the one file, with no write-ahead log beside it), copies it to a
temporary file in the serving folder, checks that the copy opens and counts its tables and
views, flushes it to disk and renames it over `serving.duckdb`. The rename is atomic: a reader
opening the serving file gets the old database or the new one, never half of each, and the
writer never waits for a reader. A reader that keeps a connection open keeps reading the
database it opened until it reconnects (Superset opens one connection per query).

Known limit: the staging models are views over the lake's Parquet files, so a reader of the
serving file needs to reach the lake (the same folder, or for an S3 lake the httpfs extension
and a secret in its session); the intermediate and mart tables are inside the file itself.
Known limit: the rename is atomic on one POSIX file system only; the warehouse folder must not
span mounts, and Windows refuses to replace a file that a reader holds open.
"""

import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Published:
    """What one publish did, for logs and materialization metadata."""

    serving_path: Path
    size_bytes: int
    seconds: float
    tables: int
    views: int


def checkpoint(build_path: Path) -> None:
    """Fold the write-ahead log into the build file and close it.

    Fails with DuckDB's lock error if dbt (or anything else) still has the file open, which is
    what we want: a build in progress is never published.
    """
    if not build_path.exists():
        raise FileNotFoundError(f"no warehouse build at {build_path}; run dbt build first")
    with duckdb.connect(str(build_path)) as con:
        con.execute("checkpoint")
    wal = build_path.with_name(build_path.name + ".wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise RuntimeError(f"{wal} is not empty after a checkpoint; refusing to publish")


def relation_counts(path: Path) -> tuple[int, int]:
    """(tables, views) of the user schemas in a database file, opened read-only."""
    with duckdb.connect(str(path), read_only=True) as con:
        [(tables, views)] = con.execute(
            "select count(*) filter (where table_type = 'BASE TABLE'), "
            "count(*) filter (where table_type = 'VIEW') from information_schema.tables "
            "where table_schema not in ('information_schema', 'pg_catalog')"
        ).fetchall()
    return tables, views


def publish(build_path: Path, serving_path: Path) -> Published:
    """Replace the serving file by a copy of the finished build, atomically."""
    started = time.monotonic()
    checkpoint(build_path)

    serving_path.parent.mkdir(parents=True, exist_ok=True)
    staged = serving_path.with_name(f".{serving_path.name}.{os.getpid()}.tmp")
    try:
        shutil.copyfile(build_path, staged)
        tables, views = relation_counts(staged)
        with open(staged, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(staged, serving_path)
    finally:
        staged.unlink(missing_ok=True)
    directory = os.open(serving_path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)

    return Published(
        serving_path, serving_path.stat().st_size, time.monotonic() - started, tables, views
    )


class WarehouseFiles(dg.ConfigurableResource):
    """The two warehouse files of one environment."""

    build_path: str
    serving_path: str

    def publish(self) -> Published:
        return publish(Path(self.build_path), Path(self.serving_path))


def serving_asset(upstream: dg.AssetsDefinition) -> dg.AssetsDefinition:
    """The published warehouse, refreshed whenever any model of `upstream` is rebuilt."""

    @dg.asset(
        key="serving_warehouse",
        group_name="serving",
        deps=list(upstream.keys),
        kinds={"duckdb"},
        pool="warehouse",
        automation_condition=dg.AutomationCondition.eager(),
        description="serving.duckdb: the last finished warehouse build, for read-only readers.",
    )
    def serving_warehouse(
        context: dg.AssetExecutionContext, warehouse: WarehouseFiles
    ) -> dg.MaterializeResult:
        done = warehouse.publish()
        context.log.info(
            f"published {done.tables} tables and {done.views} views "
            f"({done.size_bytes / 1e6:.1f} MB) to {done.serving_path} "
            f"in {done.seconds:.2f} s"
        )
        return dg.MaterializeResult(
            metadata={
                "path": dg.MetadataValue.path(str(done.serving_path)),
                "size_bytes": done.size_bytes,
                "tables": done.tables,
                "views": done.views,
                "publish_seconds": round(done.seconds, 3),
            }
        )

    return serving_warehouse
