"""Vendor APIs to the lake: one dagster-dlt multi-asset per vendor source.

A vendor is one line of `VENDORS`. Its source lives in `dlt_sources/<vendor>/` and is the
function `<vendor>_source`, configured only through `SOURCES__<VENDOR>__*`; a vendor whose
package is not there yet is skipped. Each dlt resource becomes the asset `[vendor, resource]`,
the key the dbt sources name in `meta.dagster.asset_key`, so dbt staging hangs below it.
"""

import importlib
import importlib.util
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import dagster as dg
from dagster_dlt import DagsterDltResource, DagsterDltTranslator, dlt_assets
from dagster_dlt.translator import DltResourceTranslatorData

from dlt_sources.lib import lake_pipeline, quarantine_table
from orchestration.environment import Environment


@dataclass(frozen=True)
class Vendor:
    name: str
    cron: str  # incremental pulls; minutes staggered so vendors do not queue on the warehouse

    @property
    def module(self) -> str:
        return f"dlt_sources.{self.name}"

    def is_available(self) -> bool:
        """True once `dlt_sources/<vendor>/__init__.py` exists."""
        spec = importlib.util.find_spec(self.module)
        return spec is not None and spec.origin not in (None, "namespace")

    def source_factory(self) -> Callable[[], Any]:
        module = importlib.import_module(self.module)
        factory = getattr(module, f"{self.name}_source", None)
        if factory is None:
            raise ImportError(
                f"{self.module} defines no `{self.name}_source`; every vendor "
                f"package exposes its dlt source under that name"
            )
        return factory


VENDORS = (
    Vendor("connectwise", "5 * * * *"),
    Vendor("sentinelone", "15 * * * *"),
    Vendor("auvik", "25 * * * *"),
    Vendor("veeam", "35 * * * *"),
    Vendor("cove", "45 * * * *"),
)


def registered_vendors(env: Environment) -> list[Vendor]:
    """Vendors whose source exists, narrowed to `MSP_VENDORS` when it is set."""
    known = {vendor.name for vendor in VENDORS}
    unknown = set(env.vendors or ()) - known
    if unknown:
        raise ValueError(
            f"MSP_VENDORS names unknown vendors {sorted(unknown)}; known: {sorted(known)}"
        )
    return [
        vendor
        for vendor in VENDORS
        if vendor.is_available() and (env.vendors is None or vendor.name in env.vendors)
    ]


class LakeTranslator(DagsterDltTranslator):
    """Asset key `[vendor, resource]`, no made-up upstream, grouped by vendor."""

    def get_asset_spec(self, data: DltResourceTranslatorData) -> dg.AssetSpec:
        spec = super().get_asset_spec(data)
        vendor = data.resource.source_name
        return spec.replace_attributes(
            key=dg.AssetKey([vendor, data.resource.name]), deps=[], group_name=vendor
        )


def vendor_assets(vendor: Vendor, env: Environment) -> dg.AssetsDefinition:
    """The vendor's resources as assets; each run lands new Parquet files in the lake."""
    make_source = vendor.source_factory()
    pipeline = lake_pipeline(
        vendor.name, bucket_url=env.dlt_bucket_url, pipelines_dir=str(env.dlt_pipelines_dir)
    )

    @dlt_assets(
        dlt_source=make_source(),
        dlt_pipeline=pipeline,
        name=f"{vendor.name}_to_lake",
        dagster_dlt_translator=LakeTranslator(),
        pool=f"dlt_{vendor.name}",
    )
    def to_lake(context: dg.AssetExecutionContext, dlt: DagsterDltResource) -> Iterator[Any]:
        # A fresh source per run reads the credentials as they are now.
        results = list(
            dlt.run(context=context, dlt_source=make_source(), loader_file_format="parquet")
        )
        counts = pipeline.last_trace.last_normalize_info.row_counts
        for result in results:
            resource = result.asset_key.path[-1]
            rows = counts.get(resource, 0)
            quarantined = counts.get(quarantine_table(resource), 0)
            context.log.info(
                f"{vendor.name}.{resource}: {rows} rows landed, {quarantined} quarantined"
            )
            yield dg.MaterializeResult(
                asset_key=result.asset_key,
                metadata={**result.metadata, "rows_loaded": rows, "rows_quarantined": quarantined},
            )

    return to_lake


def vendor_schedules(vendors: list[Vendor], *, running: bool) -> list[dg.ScheduleDefinition]:
    """An incremental pull per vendor; dbt and the publish follow through automation.

    They start switched on only in prod; elsewhere turn them on in the UI when wanted.
    """
    status = dg.DefaultScheduleStatus.RUNNING if running else dg.DefaultScheduleStatus.STOPPED
    return [
        dg.ScheduleDefinition(
            name=f"{vendor.name}_hourly",
            cron_schedule=vendor.cron,
            target=dg.AssetSelection.groups(vendor.name),
            default_status=status,
        )
        for vendor in vendors
    ]
