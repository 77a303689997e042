with

tickets as (
    select * from {{ ref('fct_tickets') }}
    where is_service_ticket
),

opened as (
    select
        company_id,
        entered_date as kpi_date,
        count(*) as tickets_opened,
        count(responded_at) as tickets_responded,
        count(*) filter (where is_responded_in_sla) as tickets_responded_in_sla,
        avg(respond_minutes) filter (where responded_at is not null) as mtta_minutes,
        median(respond_minutes) filter (where responded_at is not null) as median_tta_minutes
    from tickets
    group by 1, 2
),

resolved as (
    select
        company_id,
        resolved_date as kpi_date,
        count(*) as tickets_resolved,
        count(*) filter (where is_resolved_in_sla) as tickets_resolved_in_sla,
        avg(resolve_minutes) as mttr_minutes,
        median(resolve_minutes) as median_ttr_minutes
    from tickets
    where resolved_at is not null
    group by 1, 2
),

final as (
    select
        coalesce(opened.company_id, resolved.company_id) as company_id,
        coalesce(opened.kpi_date, resolved.kpi_date) as kpi_date,
        coalesce(opened.tickets_opened, 0) as tickets_opened,
        coalesce(opened.tickets_responded, 0) as tickets_responded,
        coalesce(opened.tickets_responded_in_sla, 0) as tickets_responded_in_sla,
        coalesce(resolved.tickets_resolved, 0) as tickets_resolved,
        coalesce(resolved.tickets_resolved_in_sla, 0) as tickets_resolved_in_sla,
        round(resolved.tickets_resolved_in_sla / nullif(resolved.tickets_resolved, 0), 4)
            as resolution_sla_met_rate,
        round(opened.mtta_minutes, 1) as mtta_minutes,
        opened.median_tta_minutes,
        round(resolved.mttr_minutes, 1) as mttr_minutes,
        resolved.median_ttr_minutes
    from opened
    full outer join resolved
        on opened.company_id = resolved.company_id
        and opened.kpi_date = resolved.kpi_date
)

select * from final
