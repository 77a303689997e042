{#- What the backup-not-covered playbook should act on now: one row per device whose last
    Veeam run failed and that has no good Cove backup in the last 48 hours either. The
    idempotency key stays the same for as long as the device stays uncovered. -#}
with

protection as (
    select * from {{ ref('dim_backup_protection') }}
    where is_backup_not_covered
),

devices as (
    select * from {{ ref('dim_devices') }}
),

tenants as (
    select * from {{ ref('dim_tenants') }}
),

last_veeam_runs as (
    select
        device_id,
        max(ended_at) as veeam_failed_at,
        arg_max(failure_message, ended_at) as veeam_failure_message
    from {{ ref('fct_backup_runs') }}
    where product = 'veeam'
    group by device_id
),

final as (
    select
        'backup_not_covered:' || protection.device_id as idempotency_key,
        'backup_not_covered' as playbook,
        protection.company_id,
        tenants.company_name,
        protection.device_id,
        protection.device_name,
        protection.device_kind,
        devices.connectwise_configuration_id,
        devices.veeam_workload_uid,
        devices.cove_account_id,
        protection.veeam_last_status,
        last_veeam_runs.veeam_failed_at,
        last_veeam_runs.veeam_failure_message,
        protection.cove_last_status,
        protection.cove_last_good_at,
        protection.last_good_backup_at,
        cast('{{ run_started_at }}' as timestamptz) as policy_built_at
    from protection
    left join devices on protection.device_id = devices.device_id
    left join tenants on protection.company_id = tenants.company_id
    left join last_veeam_runs on protection.device_id = last_veeam_runs.device_id
)

select * from final
