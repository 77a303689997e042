with

tickets as (
    select * from {{ ref('stg_connectwise__tickets') }}
),

targets as (
    select * from {{ ref('stg_connectwise__sla_priorities') }}
),

with_targets as (
    select
        tickets.ticket_id,
        tickets.company_id,
        tickets.board_name,
        tickets.priority_id,
        tickets.priority_name,
        tickets.status_name,
        tickets.source_name,
        tickets.summary,
        tickets.entered_at,
        cast(timezone('UTC', tickets.entered_at) as date) as entered_date,
        tickets.responded_at,
        tickets.resolved_at,
        cast(timezone('UTC', tickets.resolved_at) as date) as resolved_date,
        tickets.closed_at,
        tickets.respond_minutes,
        tickets.resolve_minutes,
        cast(round(targets.respond_hours * 60) as integer) as respond_target_minutes,
        cast(round(targets.resolution_hours * 60) as integer) as resolve_target_minutes,
        tickets.is_closed,
        tickets.is_merged,
        tickets.board_name = 'Help Desk' and not tickets.is_merged as is_service_ticket
    from tickets
    left join targets
        on tickets.sla_id = targets.sla_id
        and tickets.priority_id = targets.priority_id
),

final as (
    select
        *,
        responded_at is not null
        and respond_minutes <= respond_target_minutes as is_responded_in_sla,
        resolved_at is not null
        and resolve_minutes <= resolve_target_minutes as is_resolved_in_sla
    from with_targets
)

select * from final
