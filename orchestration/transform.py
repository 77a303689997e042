"""The lake to the warehouse: dbt models as Dagster assets, dbt tests as asset checks.

Staging views sit below the dlt assets (their sources carry the dlt asset keys), grouped by
layer. Every model updates eagerly once an input lands, and `serving_warehouse` republishes the
build for readers after any model changes.
"""

import json
import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from orchestration.environment import Environment

DBT_EXECUTABLE = Path(sys.executable).with_name("dbt")

LAYERS = ("staging", "intermediate", "marts", "policies")


def dbt_project(env: Environment) -> DbtProject:
    """The dbt project with its manifest kept under the data folder of `env`."""
    return DbtProject(
        project_dir=env.dbt_project_dir,
        profiles_dir=env.dbt_project_dir,
        target=env.dbt_target,
        target_path=env.dbt_target_path,
    )


def prepare(env: Environment, *, force: bool = False) -> DbtProject:
    """`dbt parse` into the manifest when asked, under `dagster dev`, or when none exists yet."""
    project = dbt_project(env)
    if force or os.getenv("DAGSTER_IS_DEV_CLI") or not project.manifest_path.exists():
        dbt_resource(env).cli(["parse", "--quiet"], target_path=project.target_path).wait()
    return project


class LayeredTranslator(DagsterDbtTranslator):
    """Groups by layer folder; every model refreshes eagerly when an input is updated."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        fqn = dbt_resource_props.get("fqn", [])
        return fqn[1] if len(fqn) > 2 and fqn[1] in LAYERS else None

    def get_automation_condition(
        self, dbt_resource_props: Mapping[str, Any]
    ) -> dg.AutomationCondition | None:
        return dg.AutomationCondition.eager()


def unloaded_vendor_sources(project: DbtProject, vendors: list[str]) -> list[str]:
    """dbt source names whose vendor has no dlt source registered, hence nothing in the lake."""
    manifest = json.loads(project.manifest_path.read_text())
    names = {source["source_name"] for source in manifest["sources"].values()}
    return sorted(name for name in names if name not in vendors)


def warehouse_models(env: Environment, vendors: list[str]) -> dg.AssetsDefinition:
    """Every dbt model that can build from the registered vendors, as one multi-asset."""
    project = prepare(env)
    skipped = unloaded_vendor_sources(project, vendors)

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        name="warehouse_models",
        exclude=" ".join(f"source:{name}+" for name in skipped),
        dagster_dbt_translator=LayeredTranslator(),
        pool="warehouse",
    )
    def models(context: dg.AssetExecutionContext, dbt: DbtCliResource) -> Iterator[Any]:
        if skipped:
            context.log.info(f"not building models over unregistered vendors: {skipped}")
        yield from dbt.cli(["build"], context=context).stream()

    return models


def dbt_resource(env: Environment) -> DbtCliResource:
    """dbt from this interpreter's environment, whether or not it is on PATH."""
    return DbtCliResource(
        project_dir=dbt_project(env),
        profiles_dir=str(env.dbt_project_dir),
        target=env.dbt_target,
        dbt_executable=str(DBT_EXECUTABLE),
    )
