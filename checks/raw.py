"""Great Expectations suites on the raw lake, one per vendor resource, run on each new load.

dbt tests guard the models; these guard what the vendors sent before anything is modelled, so
a broken feed is named at its source. GX validates a pandas frame that DuckDB reads from the
lake: GX cannot validate DuckDB over SQLAlchemy (a known upstream bug, see stack-notes).

Each rule carries a severity. `error` is for keys: a primary key that is null or repeated, a
reference another model joins on, or the cursor that picks the latest version of a record.
`warn` is for everything softer: enums, formats, ranges. A suite fails at the worst severity
among its failed rules.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import urlsplit

import duckdb

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

log = logging.getLogger(__name__)

ERROR = "error"
WARN = "warn"
S3_CREDENTIALS = "DESTINATION__FILESYSTEM__CREDENTIALS__"


@dataclass(frozen=True)
class Rule:
    """One GX expectation (its class name and arguments) and how much a failure matters."""

    kind: str
    kwargs: Mapping
    severity: str = WARN

    @property
    def column(self) -> str:
        return self.kwargs.get("column", "")


@dataclass(frozen=True)
class Suite:
    """What to read from one raw resource and what must hold of it."""

    vendor: str
    resource: str
    columns: str  # the select list over the raw Parquet (nested fields flattened)
    rules: tuple[Rule, ...]

    @property
    def name(self) -> str:
        return f"{self.vendor}__{self.resource}"

    @property
    def asset_key(self) -> list[str]:
        """The Dagster asset the resource lands as."""
        return [self.vendor, self.resource]


@dataclass(frozen=True)
class Failure:
    expectation: str
    column: str
    severity: str
    unexpected: int | None  # None when the expectation could not be evaluated at all
    examples: tuple = ()

    def __str__(self) -> str:
        count = "?" if self.unexpected is None else self.unexpected
        return f"{self.expectation} {self.column}: {count} unexpected"


@dataclass
class Outcome:
    suite: str
    rows: int
    success: bool
    evaluated: int
    failures: list[Failure] = field(default_factory=list)
    load_id: str | None = None

    @property
    def failed(self) -> list[str]:
        return [str(failure) for failure in self.failures]

    @property
    def severity(self) -> str | None:
        """The worst severity among the failed rules; None when the suite passed."""
        if not self.failures:
            return None
        return ERROR if any(f.severity == ERROR for f in self.failures) else WARN


@cache
def context():
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    gx_context = gx.get_context(mode="ephemeral")
    gx_context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return gx_context


def to_expectation(rule: Rule):
    import great_expectations as gx

    return getattr(gx.expectations, rule.kind)(**rule.kwargs, meta={"severity": rule.severity})


def read_latest_load(con: duckdb.DuckDBPyConnection, lake_url: str, suite: Suite):
    """The rows of the newest load of one resource that brought rows, as pandas.

    A load that found nothing new writes an empty file; the load before it is then the newest
    one with rows, and it has been checked already.
    """
    files = f"read_parquet('{lake_url.rstrip('/')}/{suite.vendor}/{suite.resource}/*.parquet', "
    files += "union_by_name = true)"
    return con.sql(
        f"select {suite.columns}, _dlt_load_id from {files} "
        f"where _dlt_load_id = (select max(_dlt_load_id) from {files})"
    ).df()


def validate(suite: Suite, frame) -> Outcome:
    import great_expectations as gx

    gx_context = context()
    source = gx_context.data_sources.add_or_update_pandas(f"raw_{suite.name}")
    asset = source.add_dataframe_asset(suite.name)
    batch = asset.add_batch_definition_whole_dataframe("latest_load").get_batch(
        batch_parameters={"dataframe": frame}
    )
    expectation_suite = gx.ExpectationSuite(suite.name)
    for rule in suite.rules:
        expectation_suite.add_expectation(to_expectation(rule))
    result = batch.validate(expectation_suite)

    failures = [
        Failure(
            expectation=r.expectation_config.type,
            column=r.expectation_config.kwargs.get("column", ""),
            severity=(r.expectation_config.meta or {}).get("severity", WARN),
            unexpected=r.result.get("unexpected_count"),
            examples=tuple(str(v) for v in (r.result.get("partial_unexpected_list") or [])[:3]),
        )
        for r in result.results
        if not r.success
    ]
    load_ids = frame["_dlt_load_id"].dropna() if "_dlt_load_id" in frame else ()
    outcome = Outcome(
        suite.name,
        len(frame),
        bool(result.success),
        result.statistics["evaluated_expectations"],
        sorted(failures, key=lambda f: (f.severity != ERROR, f.column, f.expectation)),
        str(load_ids.iloc[0]) if len(load_ids) else None,
    )
    log.info(
        "%s: %d rows of load %s, %d expectations, %s",
        suite.name,
        outcome.rows,
        outcome.load_id,
        outcome.evaluated,
        "passed" if outcome.success else f"failed ({outcome.severity}): {outcome.failed}",
    )
    return outcome


def run_suite(lake_url: str, suite: Suite, con: duckdb.DuckDBPyConnection | None = None) -> Outcome:
    """Validate the newest load of one resource in the lake.

    A resource that cannot be read (no files yet, or a column the suite names is gone) fails
    the suite at error severity with DuckDB's message, instead of stopping the other suites.
    """
    con = con or lake_connection(lake_url)
    try:
        frame = read_latest_load(con, lake_url, suite)
    except duckdb.Error as error:
        message = str(error).splitlines()[0]
        log.error("%s: cannot read the newest load from %s: %s", suite.name, lake_url, message)
        unreadable = Failure(f"read_newest_load ({message})", "*", ERROR, None)
        return Outcome(suite.name, 0, False, 0, [unreadable])
    return validate(suite, frame)


def lake_connection(
    lake_url: str, environ: Mapping[str, str] | None = None
) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection that reads the lake: a folder as is, S3 through httpfs.

    For S3 the secret is built from the same `DESTINATION__FILESYSTEM__CREDENTIALS__*`
    variables dlt writes with, so the checks read exactly where the sources landed.
    """
    con = duckdb.connect()
    if not lake_url.startswith("s3://"):
        return con
    environ = os.environ if environ is None else environ
    load_httpfs(con)
    con.execute(s3_secret_sql(environ))
    return con


def load_httpfs(con: duckdb.DuckDBPyConnection) -> None:
    """httpfs from the duckdb-extension-httpfs wheel; installed once per machine, no download."""
    try:
        con.load_extension("httpfs")
    except duckdb.Error:
        import duckdb_extensions

        duckdb_extensions.import_extension("httpfs", con=con)
        con.load_extension("httpfs")


def s3_secret_sql(environ: Mapping[str, str]) -> str:
    def quoted(value: str) -> str:
        return "'" + value.replace("'", "''") + "'"

    settings = {
        "key_id": environ.get(S3_CREDENTIALS + "AWS_ACCESS_KEY_ID", ""),
        "secret": environ.get(S3_CREDENTIALS + "AWS_SECRET_ACCESS_KEY", ""),
        "region": environ.get(S3_CREDENTIALS + "REGION_NAME") or "us-east-1",
    }
    endpoint = environ.get(S3_CREDENTIALS + "ENDPOINT_URL", "")
    options = [f"{name} {quoted(value)}" for name, value in settings.items()]
    if endpoint:
        parts = urlsplit(endpoint)
        options.append(f"endpoint {quoted(parts.netloc or parts.path)}")
        options.append("url_style 'path'")
        options.append(f"use_ssl {'false' if parts.scheme == 'http' else 'true'}")
    return f"create or replace secret raw_lake (type s3, {', '.join(options)})"


@dataclass(frozen=True)
class QualitySummary:
    """Which raw suites ran in a run, and which passed or failed (with their severity)."""

    passed: tuple[str, ...]
    failed: tuple[tuple[str, str], ...]  # (suite, severity)

    @property
    def run(self) -> int:
        return len(self.passed) + len(self.failed)

    @classmethod
    def of(cls, results: Iterable[tuple[str, bool, str | None]]) -> QualitySummary:
        """From (suite, passed, severity) triples, whatever ran them."""
        passed, failed = [], []
        for suite, ok, severity in results:
            if ok:
                passed.append(suite)
            else:
                failed.append((suite, severity or ERROR))
        return cls(tuple(sorted(passed)), tuple(sorted(failed)))

    @classmethod
    def from_outcomes(cls, outcomes: Iterable[Outcome]) -> QualitySummary:
        return cls.of((o.suite, o.success, o.severity) for o in outcomes)

    def __str__(self) -> str:
        text = f"raw data suites: {self.run} run, {len(self.passed)} passed, "
        text += f"{len(self.failed)} failed"
        if self.failed:
            text += " (" + ", ".join(f"{name} {severity}" for name, severity in self.failed) + ")"
        return text
