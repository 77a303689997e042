{#- One health score per company and UTC day, 0 to 100: 35 points for resolution SLA met,
    35 for backup success, 30 for security (full with no active threat at day end, halved by
    each active threat). A day with nothing to measure in an area scores that area in full. -#}
with

sla as (
    select * from {{ ref('kpi_sla_daily') }}
),

backup as (
    select * from {{ ref('kpi_backup_daily') }}
),

security as (
    select * from {{ ref('kpi_security_daily') }}
),

grid as (
    select company_id, kpi_date from sla
    union
    select company_id, kpi_date from backup
    union
    select company_id, kpi_date from security
),

scored as (
    select
        grid.company_id,
        grid.kpi_date,
        sla.resolution_sla_met_rate,
        backup.backup_success_rate,
        coalesce(security.active_threats_at_day_end, 0) as active_threats_at_day_end,
        35 * coalesce(sla.resolution_sla_met_rate, 1) as sla_points,
        35 * coalesce(backup.backup_success_rate, 1) as backup_points,
        30 * power(0.5, coalesce(security.active_threats_at_day_end, 0)) as security_points
    from grid
    left join sla using (company_id, kpi_date)
    left join backup using (company_id, kpi_date)
    left join security using (company_id, kpi_date)
),

final as (
    select
        *,
        round(sla_points + backup_points + security_points, 1) as health_score
    from scored
)

select * from final
