with

jobs as (
    select * from {{ source('veeam', 'jobs') }}
    where {{ in_latest_snapshot('veeam', 'jobs') }}
),

renamed as (
    select
        instance_uid as job_uid,
        name as job_name,
        type as job_type,
        backup_server_uid,
        organization_uid,
        status as last_status,
        {{ utc('last_run') }} as last_run_started_at,
        {{ utc('last_end_time') }} as last_run_ended_at,
        last_duration as last_duration_seconds,
        avg_duration as avg_duration_seconds,
        transferred_data as transferred_bytes,
        backup_chain_size as backup_chain_bytes,
        failure_message,
        is_enabled,
        schedule_type,
        retention_limit,
        retention_limit_type,
        len(last_session_tasks) as last_session_task_count,
        {{ utc('creation_time') }} as created_at,
        _loaded_at as loaded_at
    from jobs
)

select * from renamed
