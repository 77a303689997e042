"""Playbooks in Dagster: a sensor that evaluates the policies after every publish, the job it
launches, and a job to approve a pending containment from the UI's launchpad.

The policy models are dbt models like any other, so they are rebuilt with the marts and land
in `serving.duckdb` with the publish. The sensor watches the publish (`serving_warehouse`
materializations) and asks for one `run_playbooks` run per publish: the run key is the
publish's event storage id, so a publish seen twice by the sensor still starts one run. Inside
the run, the action log's step keys make a retried or re-executed run repeat nothing.
"""

import dagster as dg

from actions.approvals import approve
from actions.config import load_settings
from actions.log import ActionLog
from actions.runner import action_log_path, run_playbooks
from orchestration.environment import Environment

PLAYBOOK_JOB = "run_playbooks"
APPROVE_JOB = "approve_action"
PUBLISH = dg.AssetKey("serving_warehouse")


class PlaybookRunConfig(dg.Config):
    dry_run: bool = False  # send nothing for any tenant; report and log the calls instead


class ApprovalConfig(dg.Config):
    action_id: int  # the request's id, as `msp actions list` shows it
    approved_by: str  # who approves; recorded in the action log


def action_jobs(env: Environment) -> list[dg.JobDefinition]:
    """`run_playbooks` and `approve_action`, bound to the files of `env`."""

    @dg.op(name="evaluate_policies_and_act")
    def evaluate(context: dg.OpExecutionContext, config: PlaybookRunConfig) -> None:
        settings = load_settings(env.name)
        sensor = context.run.tags.get("dagster/sensor_name")
        decided_by = (
            f"policy via {'sensor ' + sensor if sensor else 'dagster'} run {context.run_id}"
        )
        report = run_playbooks(
            env.serving_path,
            ActionLog(action_log_path(env.data_dir)),
            settings,
            decided_by=decided_by,
            force_dry_run=config.dry_run,
            run_id=context.run_id,
        )
        for step in report.steps:
            context.log.info(step.line())
        counts = {o: report.count(o) for o in sorted({s.outcome for s in report.steps})}
        context.log.info(
            f"playbooks ({settings.source.name}, {env.name}): {counts or 'nothing due'}"
        )
        context.add_output_metadata({"steps": len(report.steps), **counts})
        if report.count("failed"):
            raise dg.Failure(
                f"{report.count('failed')} vendor call(s) failed; see the log above "
                "and `msp actions list`; the next run retries them"
            )

    @dg.op(name="approve_pending_action")
    def approve_op(context: dg.OpExecutionContext, config: ApprovalConfig) -> None:
        request = approve(
            ActionLog(action_log_path(env.data_dir)),
            config.action_id,
            f"user:{config.approved_by} (dagster run {context.run_id})",
            run_id=context.run_id,
        )
        context.log.info(
            f"approved {request.idempotency_key} (action {config.action_id}); the "
            "next playbook run carries it out"
        )

    @dg.job(name=PLAYBOOK_JOB, description="Evaluate the published policies and act on them.")
    def playbooks() -> None:
        evaluate()

    @dg.job(name=APPROVE_JOB, description="Approve a pending request (set action_id in config).")
    def approval() -> None:
        approve_op()

    return [playbooks, approval]


def playbook_sensor() -> dg.SensorDefinition:
    """One `run_playbooks` run per publish of the serving warehouse."""

    @dg.sensor(
        name="playbooks_follow_the_publish",
        job_name=PLAYBOOK_JOB,
        minimum_interval_seconds=30,
        default_status=dg.DefaultSensorStatus.RUNNING,
    )
    def follow_publish(context: dg.SensorEvaluationContext):
        after = int(context.cursor) if context.cursor else None
        records = context.instance.fetch_materializations(
            dg.AssetRecordsFilter(asset_key=PUBLISH, after_storage_id=after),
            limit=1,
            ascending=False,
        ).records
        if not records:
            return dg.SkipReason("no publish of serving_warehouse since the last evaluation")
        latest = records[0]
        context.update_cursor(str(latest.storage_id))
        return dg.RunRequest(
            run_key=f"publish-{latest.storage_id}", tags={"msp/publish_run_id": latest.run_id}
        )

    return follow_publish
