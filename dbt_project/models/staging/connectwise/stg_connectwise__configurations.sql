with

configurations as (
    select * from {{ source('connectwise', 'configurations') }}
    {{ latest_per_key('id', 'last_updated_at') }}
),

renamed as (
    select
        id as configuration_id,
        company.id as company_id,
        name as configuration_name,
        type.name as configuration_type,
        status.name as status_name,
        nullif(serial_number, '') as serial_number,
        nullif(mac_address, '') as mac_address,
        nullif(ip_address, '') as ip_address,
        os_type,
        active_flag as is_active,
        {{ utc('_info.dateEntered') }} as entered_at,
        last_updated_at
    from configurations
)

select * from renamed
