{#- Every backup run the pipeline has seen, from both products, on the device it protects.
    Veeam runs come from job snapshots (VSPC keeps only the last session); Cove runs from
    account snapshots and the 28-day colour bar. -#}
with

records as (
    select * from {{ ref('dim_device_records') }}
),

veeam as (
    select
        'veeam' as product,
        runs.task_run_id as source_run_id,
        workloads.workload_uid as record_id,
        runs.run_date,
        runs.started_at,
        runs.ended_at,
        runs.status,
        runs.failure_message
    from {{ ref('stg_veeam__job_task_runs') }} as runs
    inner join {{ ref('stg_veeam__protected_workloads') }} as workloads
        on runs.object_uid = workloads.object_uid
),

cove as (
    select
        'cove' as product,
        session_id as source_run_id,
        cast(account_id as varchar) as record_id,
        run_date,
        started_at,
        ended_at,
        status,
        cast(null as varchar) as failure_message
    from {{ ref('stg_cove__device_sessions') }}
),

unioned as (
    select * from veeam
    union all
    select * from cove
),

final as (
    select
        unioned.product || ':' || unioned.source_run_id as backup_run_id,
        unioned.product,
        records.device_id,
        records.company_id,
        unioned.record_id,
        unioned.run_date,
        unioned.started_at,
        unioned.ended_at,
        unioned.status,
        unioned.status = 'Success' as is_success,
        unioned.failure_message
    from unioned
    left join records
        on records.vendor = unioned.product and records.record_id = unioned.record_id
)

select * from final
