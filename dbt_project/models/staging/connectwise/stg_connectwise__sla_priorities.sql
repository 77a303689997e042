with

sla_priorities as (
    select * from {{ source('connectwise', 'sla_priorities') }}
    where _dlt_load_id = (
        select max(_dlt_load_id) from {{ source('connectwise', 'sla_priorities') }}
    )
),

renamed as (
    select
        id as sla_priority_id,
        sla.id as sla_id,
        priority.id as priority_id,
        respond_hours,
        plan_within as plan_within_hours,
        resolution_hours
    from sla_priorities
)

select * from renamed
