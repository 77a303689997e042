{#- Backup per company and UTC day (BK-01): runs that ended that day and how they went; a
    missed session counts as a run that did not succeed. -#}
with

runs as (
    select * from {{ ref('fct_backup_runs') }}
    where company_id is not null
),

final as (
    select
        company_id,
        run_date as kpi_date,
        count(*) as backup_runs,
        count(*) filter (where status = 'Success') as backup_runs_succeeded,
        count(*) filter (where status = 'Warning') as backup_runs_warning,
        count(*) filter (where status = 'Failed') as backup_runs_failed,
        count(*) filter (where status = 'Missed') as backup_runs_missed,
        round(count(*) filter (where status = 'Success') / count(*), 6) as backup_success_rate,
        count(distinct device_id) filter (where status in ('Failed', 'Missed'))
            as devices_failed
    from runs
    group by 1, 2
)

select * from final
