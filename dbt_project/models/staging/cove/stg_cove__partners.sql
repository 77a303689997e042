with

partners as (
    select * from {{ source('cove', 'partners') }}
    where {{ in_latest_snapshot('cove', 'partners') }}
),

renamed as (
    select
        id as partner_id,
        name as partner_name,
        level as partner_level,
        parent_id as parent_partner_id,
        state as partner_state,
        external_code,
        to_timestamp(creation_time) as created_at,
        _loaded_at as loaded_at
    from partners
)

select * from renamed
