with

sites as (
    select * from {{ source('sentinelone', 'sites') }}
),

latest_snapshot as (
    select * from sites
    where _dlt_load_id = (select max(_dlt_load_id) from sites)
),

renamed as (
    select
        id as site_id,
        account_id,
        name as site_name,
        state as site_state,
        site_type,
        external_id,
        active_licenses,
        total_licenses,
        unlimited_licenses as has_unlimited_licenses,
        {{ utc('created_at') }} as created_at,
        {{ utc('updated_at') }} as updated_at,
        _loaded_at as loaded_at
    from latest_snapshot
)

select * from renamed
