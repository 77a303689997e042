with

accounts as (
    select * from {{ source('cove', 'account_statistics') }}
    where {{ in_latest_snapshot('cove', 'account_statistics') }}
),

renamed as (
    select
        account_id,
        device_name,
        computer_name,
        partner_id,
        customer_name,
        os_name,
        case os_type when '1' then 'workstation' when '2' then 'server' else 'undefined' end
            as os_type,
        case account_type when '1' then 'Backup Manager' when '2' then 'Microsoft 365'
            else 'Unknown' end as account_type,
        data_sources,
        cast(nullif(used_storage_bytes, '') as bigint) as used_storage_bytes,
        {{ cove_session_status('last_session_status') }} as last_session_status,
        {{ unix_utc('last_session_started_unix') }} as last_session_started_at,
        {{ unix_utc('last_session_started_unix') }}
            + to_seconds(coalesce(cast(nullif(last_session_duration_seconds, '') as bigint), 0))
            as last_session_ended_at,
        {{ unix_utc('last_success_started_unix') }} as last_success_started_at,
        cast(nullif(last_session_errors, '') as integer) as last_session_errors,
        colour_bar,
        {{ unix_utc('created_at_unix') }} as created_at,
        _loaded_at as loaded_at
    from accounts
)

select * from renamed
