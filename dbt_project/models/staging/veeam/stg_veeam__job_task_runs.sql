-- VSPC keeps only each job's last session, so the run history is what the snapshots saw:
-- every task of every job snapshot, one row per device per run.
-- Known limit: a session that is replaced between two snapshots (two runs of a job between
-- syncs) is never seen; sync at least once between a job's runs to keep every run.
with

jobs as (
    select * from {{ source('veeam', 'jobs') }}
),

tasks as (
    select
        jobs.instance_uid as job_uid,
        jobs.organization_uid,
        jobs._dlt_load_id,
        jobs._loaded_at,
        unnest(jobs.last_session_tasks) as task
    from jobs
),

finished as (
    select
        job_uid,
        organization_uid,
        task.objectUid as object_uid,
        task.objectName as object_name,
        task.instanceUid as task_uid,
        {{ utc('task.startTime') }} as started_at,
        {{ utc('task.endTime') }} as ended_at,
        task.status as status,
        task.transferredDataSize as transferred_bytes,
        task.failureMessages[1] as failure_message,
        _dlt_load_id,
        _loaded_at
    from tasks
    where task.status in ('Success', 'Warning', 'Failed') and task.endTime is not null
),

latest as (
    select * from finished
    {{ latest_per_key('job_uid, object_uid, ended_at') }}
),

final as (
    select
        md5(concat_ws('|', job_uid, object_uid, epoch_us(ended_at))) as task_run_id,
        job_uid,
        object_uid,
        object_name,
        organization_uid,
        task_uid,
        started_at,
        ended_at,
        {{ utc_date('ended_at') }} as run_date,
        status,
        transferred_bytes,
        failure_message,
        _loaded_at as loaded_at
    from latest
)

select * from final
