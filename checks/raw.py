"""Great Expectations suites on the raw lake, one per vendor resource, run on each new load.

dbt tests guard the models; these guard what the vendors sent before anything is modelled, so
a broken feed is named at its source. GX validates a pandas frame that DuckDB reads from the
lake: GX cannot validate DuckDB over SQLAlchemy (a known upstream bug, see stack-notes).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from functools import cache

import duckdb

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Suite:
    """What to read from one raw resource and what must hold of it."""

    vendor: str
    resource: str
    columns: str  # the select list over the raw Parquet (nested fields flattened)
    expectations: tuple[tuple[str, dict], ...]

    @property
    def name(self) -> str:
        return f"{self.vendor}__{self.resource}"


@dataclass
class Outcome:
    suite: str
    rows: int
    success: bool
    evaluated: int
    failed: list[str] = field(default_factory=list)


@cache
def context():
    import great_expectations as gx

    from great_expectations.data_context.types.base import ProgressBarsConfig

    gx_context = gx.get_context(mode="ephemeral")
    gx_context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return gx_context


def to_expectation(kind: str, kwargs: dict):
    import great_expectations as gx

    return getattr(gx.expectations, kind)(**kwargs)


def read_latest_load(con: duckdb.DuckDBPyConnection, lake_url: str, suite: Suite):
    """The rows of the newest load of one resource, as pandas."""
    files = f"{lake_url.rstrip('/')}/{suite.vendor}/{suite.resource}/*.parquet"
    return con.sql(
        f"select {suite.columns} from read_parquet('{files}', union_by_name = true) "
        f"where _dlt_load_id = (select max(_dlt_load_id) from read_parquet('{files}', "
        "union_by_name = true))"
    ).df()


def validate(suite: Suite, frame) -> Outcome:
    import great_expectations as gx

    gx_context = context()
    source = gx_context.data_sources.add_or_update_pandas(f"raw_{suite.name}")
    asset = source.add_dataframe_asset(suite.name)
    batch = asset.add_batch_definition_whole_dataframe("latest_load").get_batch(
        batch_parameters={"dataframe": frame})
    expectation_suite = gx.ExpectationSuite(suite.name)
    for kind, kwargs in suite.expectations:
        expectation_suite.add_expectation(to_expectation(kind, kwargs))
    result = batch.validate(expectation_suite)

    failed = [f"{r.expectation_config.type} {r.expectation_config.kwargs.get('column', '')}: "
              f"{r.result.get('unexpected_count', '?')} unexpected"
              for r in result.results if not r.success]
    outcome = Outcome(suite.name, len(frame), bool(result.success),
                      result.statistics["evaluated_expectations"], failed)
    log.info("%s: %d rows, %d expectations, %s", suite.name, outcome.rows, outcome.evaluated,
             "passed" if outcome.success else f"failed: {failed}")
    return outcome


def run_suite(lake_url: str, suite: Suite,
              con: duckdb.DuckDBPyConnection | None = None) -> Outcome:
    """Validate the newest load of one resource in the lake."""
    con = con or duckdb.connect()
    return validate(suite, read_latest_load(con, lake_url, suite))
