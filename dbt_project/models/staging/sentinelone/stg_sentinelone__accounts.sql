with

accounts as (
    select * from {{ source('sentinelone', 'accounts') }}
),

latest_snapshot as (
    select * from accounts
    where _dlt_load_id = (select max(_dlt_load_id) from accounts)
),

renamed as (
    select
        id as account_id,
        name as account_name,
        state as account_state,
        account_type,
        billing_mode,
        usage_type,
        external_id,
        active_agents,
        total_licenses,
        number_of_sites,
        {{ utc('created_at') }} as created_at,
        {{ utc('updated_at') }} as updated_at,
        _loaded_at as loaded_at
    from latest_snapshot
)

select * from renamed
