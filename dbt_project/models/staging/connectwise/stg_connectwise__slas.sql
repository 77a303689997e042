with

slas as (
    select * from {{ source('connectwise', 'slas') }}
    {{ latest_per_key('id') }}
),

renamed as (
    select
        id as sla_id,
        name as sla_name,
        based_on,
        respond_hours,
        resolution_hours,
        resolution_percent
    from slas
)

select * from renamed
