with

interfaces as (
    select * from {{ source('auvik', 'interfaces') }}
),

live_device_ids as (
    select * from {{ source('auvik', 'live_device_ids') }}
),

latest_snapshot as (
    select max(_dlt_load_id) as load_id from live_device_ids
),

live_ids as (
    select id from live_device_ids
    where _dlt_load_id = (select load_id from latest_snapshot)
),

latest as (
    select * from interfaces
    {{ latest_per_key('id', 'last_modified_at') }}
),

-- Interfaces go with their device: gone when a newer snapshot no longer lists the device.
still_listed as (
    select * from latest
    where
        relationships.parentDevice.data.id in (select id from live_ids)
        or _dlt_load_id > (select load_id from latest_snapshot)
),

renamed as (
    select
        id as interface_id,
        relationships.parentDevice.data.id as device_id,
        relationships.tenant.data.id as tenant_id,
        attributes.interfaceName as interface_name,
        attributes.interfaceType as interface_type,
        {{ mac_colon('attributes.macAddress') }} as mac_address,
        attributes.ipAddresses as ip_addresses,
        attributes.negotiatedSpeed as negotiated_speed,
        attributes.operationalStatus as operational_status,
        attributes.adminStatus as is_admin_up,
        last_modified_at,
        _loaded_at as loaded_at
    from still_listed
)

select * from renamed
