{#- Security per company and UTC day: threats detected and mitigated, how fast, and how many
    stayed active at the end of the day. -#}
with

threats as (
    select * from {{ ref('fct_threats') }}
    where company_id is not null
),

days as (
    select cast(day as date) as kpi_date
    from range(
        (select min(created_date) from threats),
        (select max(created_date) from threats) + 1,
        interval 1 day
    ) as spine (day)
),

companies as (
    select distinct company_id from threats
),

grid as (
    select companies.company_id, days.kpi_date from companies cross join days
),

detected as (
    select
        company_id,
        created_date as kpi_date,
        count(*) as threats_detected,
        count(*) filter (where is_high_severity) as high_severity_detected
    from threats
    group by 1, 2
),

mitigated as (
    select
        company_id,
        cast(timezone('UTC', mitigated_at) as date) as kpi_date,
        count(*) as threats_mitigated,
        avg(minutes_to_mitigate) as mean_minutes_to_mitigate
    from threats
    where mitigated_at is not null
    group by 1, 2
),

active as (
    select
        grid.company_id,
        grid.kpi_date,
        count(threats.threat_id) as active_threats_at_day_end
    from grid
    left join threats
        on grid.company_id = threats.company_id
        and threats.created_date <= grid.kpi_date
        and (threats.mitigated_at is null
            or cast(timezone('UTC', threats.mitigated_at) as date) > grid.kpi_date)
        and not (threats.is_resolved and threats.mitigated_at is null)
    group by 1, 2
),

final as (
    select
        active.company_id,
        active.kpi_date,
        coalesce(detected.threats_detected, 0) as threats_detected,
        coalesce(detected.high_severity_detected, 0) as high_severity_detected,
        coalesce(mitigated.threats_mitigated, 0) as threats_mitigated,
        round(mitigated.mean_minutes_to_mitigate, 1) as mean_minutes_to_mitigate,
        active.active_threats_at_day_end
    from active
    left join detected using (company_id, kpi_date)
    left join mitigated using (company_id, kpi_date)
)

select * from final
