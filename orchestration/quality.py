"""Raw-data quality: each Great Expectations suite of `checks/` as a Dagster asset check on the
asset `[vendor, resource]` it validates, beside the dbt tests that guard the models.

One multi-check per vendor runs all of that vendor's suites in one step, so GX is imported once
per vendor (each step is its own process under `dagster dev`), not once per resource. A failed
key rule (null or repeated key, missing reference or cursor) reports severity ERROR, a failed
softer rule (enum, format, range) WARN. The checks do not block: staging keeps the latest
version of each key and the dbt tests judge the models, so a bad feed is named at its source
without holding back the other vendors' models.
"""

import logging
import time
from collections.abc import Iterable, Iterator

import dagster as dg

from checks.raw import ERROR, Outcome, QualitySummary, Suite, lake_connection, run_suite
from checks.suites import SUITES
from orchestration.environment import Environment

RAW_CHECK = "raw_expectations"

log = logging.getLogger(__name__)


def raw_quality_checks(
    ingest: Iterable[dg.AssetsDefinition], env: Environment
) -> list[dg.AssetChecksDefinition]:
    """A multi-check per vendor for the suites whose asset the ingest assets hold.

    Only registered vendors have ingest assets, so only their suites run.
    """
    landed = {key for assets in ingest for key in assets.keys}
    runnable = [suite for suite in SUITES if dg.AssetKey(suite.asset_key) in landed]
    loaded_vendors = {key.path[0] for key in landed}
    for suite in SUITES:
        if suite.vendor in loaded_vendors and suite not in runnable:
            log.warning("no asset %s for the raw suite %s", suite.asset_key, suite.name)

    vendors = sorted({suite.vendor for suite in runnable})
    return [
        vendor_checks(vendor, [s for s in runnable if s.vendor == vendor], env)
        for vendor in vendors
    ]


def vendor_checks(vendor: str, suites: list[Suite], env: Environment) -> dg.AssetChecksDefinition:
    specs = [
        dg.AssetCheckSpec(
            RAW_CHECK,
            asset=dg.AssetKey(suite.asset_key),
            description=f"The newest load of {suite.name} meets its {len(suite.rules)} "
            "raw-data expectations (Great Expectations).",
        )
        for suite in suites
    ]

    @dg.multi_asset_check(name=f"{vendor}_raw_quality", specs=specs, can_subset=True)
    def raw_quality(context: dg.AssetCheckExecutionContext) -> Iterator[dg.AssetCheckResult]:
        selected = context.selected_asset_check_keys
        con = lake_connection(env.lake_url)
        for suite in suites:
            if dg.AssetCheckKey(dg.AssetKey(suite.asset_key), RAW_CHECK) not in selected:
                continue
            started = time.monotonic()
            outcome = run_suite(env.lake_url, suite, con)
            context.log.info(
                f"{suite.name}: {outcome.rows} rows of load {outcome.load_id} against "
                f"{outcome.evaluated} expectations in {time.monotonic() - started:.1f} s: "
                + (
                    "passed"
                    if outcome.success
                    else f"failed ({outcome.severity}): " + "; ".join(outcome.failed)
                )
            )
            yield check_result(suite, outcome)

    return raw_quality


def check_result(suite: Suite, outcome: Outcome) -> dg.AssetCheckResult:
    failures = [
        {
            "expectation": f.expectation,
            "column": f.column,
            "severity": f.severity,
            "unexpected": f.unexpected,
            "examples": list(f.examples),
        }
        for f in outcome.failures
    ]
    # A passing result carries ERROR, the most a failure of the suite could be.
    is_soft = outcome.severity is not None and outcome.severity != ERROR
    severity = dg.AssetCheckSeverity.WARN if is_soft else dg.AssetCheckSeverity.ERROR
    return dg.AssetCheckResult(
        asset_key=dg.AssetKey(suite.asset_key),
        check_name=RAW_CHECK,
        passed=outcome.success,
        severity=severity,
        metadata={
            "rows": outcome.rows,
            "load_id": outcome.load_id or "",
            "expectations_evaluated": outcome.evaluated,
            "expectations_failed": len(outcome.failures),
            "failed_columns": ", ".join(sorted({f.column for f in outcome.failures})),
            "failures": dg.MetadataValue.json(failures),
        },
    )


def raw_quality_summary(evaluations: Iterable[dg.AssetCheckEvaluation]) -> QualitySummary:
    """The raw suites of one run (`result.get_asset_check_evaluations()`): run, passed, failed."""
    return QualitySummary.of(
        (
            "__".join(evaluation.asset_key.path),
            evaluation.passed,
            evaluation.severity.value.lower(),
        )
        for evaluation in evaluations
        if evaluation.check_name == RAW_CHECK
    )
