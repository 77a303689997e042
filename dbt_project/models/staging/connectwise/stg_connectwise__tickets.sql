with

tickets as (
    select * from {{ source('connectwise', 'tickets') }}
),

live_ids as (
    select id from {{ source('connectwise', 'live_ticket_ids') }}
    where _dlt_load_id = (
        select max(_dlt_load_id) from {{ source('connectwise', 'live_ticket_ids') }}
    )
),

latest as (
    select * from tickets
    {{ latest_per_key('id', 'last_updated_at') }}
),

renamed as (
    select
        latest.id as ticket_id,
        latest.company.id as company_id,
        latest.summary,
        latest.board.id as board_id,
        latest.board.name as board_name,
        latest.status.name as status_name,
        latest.priority.id as priority_id,
        latest.priority.name as priority_name,
        latest.sla.id as sla_id,
        latest.source.name as source_name,
        latest.owner.identifier as owner_identifier,
        latest.merged_parent_ticket.id as merged_into_ticket_id,
        {{ utc('latest._info.dateEntered') }} as entered_at,
        {{ utc('latest.date_responded') }} as responded_at,
        {{ utc('latest.date_resolved') }} as resolved_at,
        {{ utc('latest.closed_date') }} as closed_at,
        latest.respond_minutes,
        latest.resolve_minutes,
        latest.is_in_sla,
        latest.closed_flag as is_closed,
        latest.merged_parent_ticket.id is not null as is_merged,
        latest.last_updated_at,
        latest._loaded_at as loaded_at
    from latest
    inner join live_ids on latest.id = live_ids.id
)

select * from renamed
