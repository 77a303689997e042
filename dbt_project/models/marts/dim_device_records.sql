with

resolved as (
    select * from {{ ref('int_device_records_resolved') }}
),

final as (
    select
        record_key,
        device_id,
        company_id,
        vendor,
        record_id,
        record_name,
        kind_hint,
        name_key,
        mac_key,
        serial_key,
        is_active,
        last_seen_at
    from resolved
)

select * from final
