"""The only Dagster entry: vendor ingestion, dbt models and checks, and the serving publish.

`defs` is built for the environment `orchestration.environment` reads (`MSP_ENV`, default
local). Tests and scripts call `build_definitions` with an environment of their own.
"""

from __future__ import annotations

import dagster as dg
from dagster_dlt import DagsterDltResource

from orchestration.actions import action_jobs, playbook_sensor
from orchestration.environment import Environment
from orchestration.ingest import registered_vendors, vendor_assets, vendor_schedules
from orchestration.quality import raw_quality_checks
from orchestration.serving import WarehouseFiles, serving_asset
from orchestration.transform import dbt_resource, warehouse_models

FULL_PIPELINE = "msp_full_pipeline"


def build_definitions(env: Environment) -> dg.Definitions:
    env.export()
    vendors = registered_vendors(env)

    ingest = [vendor_assets(vendor, env) for vendor in vendors]
    models = warehouse_models(env, [vendor.name for vendor in vendors])
    serving = serving_asset(models)
    raw_checks = raw_quality_checks(ingest, env)

    full_pipeline = dg.define_asset_job(
        FULL_PIPELINE,
        selection=dg.AssetSelection.all(),
        description="Every vendor to the lake, every dbt model and test, then the publish.",
    )
    automation = dg.AutomationConditionSensorDefinition(
        "models_follow_their_inputs",
        target=dg.AssetSelection.all(),
        default_status=dg.DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=30,
    )

    return dg.Definitions(
        assets=[*ingest, models, serving],
        asset_checks=raw_checks,
        jobs=[full_pipeline, *action_jobs(env)],
        schedules=vendor_schedules(vendors, running=env.name == "prod"),
        sensors=[automation, playbook_sensor()],
        resources={
            "dlt": DagsterDltResource(),
            "dbt": dbt_resource(env),
            "warehouse": WarehouseFiles(
                build_path=str(env.build_path), serving_path=str(env.serving_path)
            ),
        },
    )


defs = build_definitions(Environment.from_env())
