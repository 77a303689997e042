{#- Backup protection of every device now (BK-02, BK-03): which product covers it, how its
    last run went, and when it last had a good backup. -#}
with

devices as (
    select * from {{ ref('dim_devices') }}
),

workloads as (
    select * from {{ ref('stg_veeam__protected_workloads') }}
),

veeam_last as (
    select
        workloads.workload_uid,
        arg_max(runs.status, runs.ended_at) as last_status,
        max(runs.ended_at) as last_run_at,
        max(runs.ended_at) filter (where runs.status in ('Success', 'Warning'))
            as last_good_run_at
    from {{ ref('stg_veeam__job_task_runs') }} as runs
    inner join workloads on runs.object_uid = workloads.object_uid
    group by 1
),

cove as (
    select * from {{ ref('stg_cove__devices') }}
),

latest_clock as (
    select max(coalesce(ended_at, cast(run_date as timestamptz))) as observed_until
    from {{ ref('fct_backup_runs') }}
),

joined as (
    select
        devices.device_id,
        devices.company_id,
        devices.device_name,
        devices.device_kind,
        devices.veeam_workload_uid is not null as is_in_veeam,
        devices.cove_account_id is not null as is_in_cove,
        veeam_last.last_status as veeam_last_status,
        greatest(veeam_last.last_good_run_at, workloads.latest_restore_point_at)
            as veeam_last_good_at,
        cove.last_session_status as cove_last_status,
        cove.last_success_started_at as cove_last_good_at
    from devices
    left join workloads on devices.veeam_workload_uid = workloads.workload_uid
    left join veeam_last on devices.veeam_workload_uid = veeam_last.workload_uid
    left join cove on devices.cove_account_id = cast(cove.account_id as varchar)
),

final as (
    select
        joined.*,
        greatest(veeam_last_good_at, cove_last_good_at) as last_good_backup_at,
        is_in_veeam or is_in_cove as has_backup,
        coalesce(
            greatest(veeam_last_good_at, cove_last_good_at)
            >= latest_clock.observed_until - interval 48 hour,
            false
        ) as has_recent_good_backup,
        veeam_last_status = 'Failed'
        and coalesce(cove_last_good_at < latest_clock.observed_until - interval 48 hour, true)
            as is_backup_not_covered
    from joined
    cross join latest_clock
)

select * from final
