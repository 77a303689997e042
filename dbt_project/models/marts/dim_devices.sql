with

records as (
    select * from {{ ref('dim_device_records') }}
),

per_device as (
    select
        device_id,
        any_value(company_id) as company_id,
        coalesce(
            max(record_name) filter (where vendor = 'connectwise' and name_key not like '%(%'),
            max(record_name) filter (where vendor = 'sentinelone'),
            max(record_name) filter (where vendor = 'auvik'),
            max(record_name)
        ) as device_name,
        coalesce(
            max(kind_hint) filter (where vendor = 'connectwise'),
            max(kind_hint) filter (where vendor = 'auvik'),
            max(kind_hint)
        ) as device_kind,
        max(record_id) filter (where vendor = 'connectwise') as connectwise_configuration_id,
        arg_max(record_id, last_seen_at) filter (where vendor = 'sentinelone')
            as sentinelone_agent_id,
        max(record_id) filter (where vendor = 'auvik') as auvik_device_id,
        max(record_id) filter (where vendor = 'veeam') as veeam_workload_uid,
        max(record_id) filter (where vendor = 'cove') as cove_account_id,
        max(mac_key) as mac_address,
        max(serial_key) as serial_number,
        count(*) as record_count,
        max(last_seen_at) as last_seen_at
    from records
    group by device_id
),

final as (
    select
        *,
        connectwise_configuration_id is not null as is_documented_in_psa,
        sentinelone_agent_id is not null as has_edr_agent,
        veeam_workload_uid is not null or cove_account_id is not null as has_backup
    from per_device
)

select * from final
