with

devices as (
    select * from {{ source('auvik', 'devices') }}
),

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
    select * from devices
    {{ latest_per_key('id', 'last_modified_at') }}
),

-- A device is gone when a snapshot taken after its latest version no longer lists it.
still_listed as (
    select * from latest
    where
        id in (select id from live_ids)
        or _dlt_load_id > (select load_id from latest_snapshot)
),

latest_interfaces as (
    select * from interfaces
    {{ latest_per_key('id', 'last_modified_at') }}
),

-- The device's MAC is that of the interface holding its management address; failing that,
-- the first interface by name that has one.
device_macs as (
    select
        latest_interfaces.relationships.parentDevice.data.id as device_id,
        {{ mac_colon('latest_interfaces.attributes.macAddress') }} as mac_address
    from latest_interfaces
    inner join still_listed
        on latest_interfaces.relationships.parentDevice.data.id = still_listed.id
    where {{ mac_colon('latest_interfaces.attributes.macAddress') }} is not null
    qualify row_number() over (
        partition by latest_interfaces.relationships.parentDevice.data.id
        order by
            list_has_any(
                latest_interfaces.attributes.ipAddresses, still_listed.attributes.ipAddresses
            ) desc,
            latest_interfaces.attributes.interfaceName
    ) = 1
),

renamed as (
    select
        still_listed.id as device_id,
        still_listed.relationships.tenant.data.id as tenant_id,
        still_listed.attributes.deviceName as device_name,
        still_listed.attributes.deviceType as device_type,
        still_listed.attributes.makeModel as make_model,
        still_listed.attributes.vendorName as vendor_name,
        still_listed.attributes.softwareVersion as software_version,
        nullif(still_listed.attributes.serialNumber, '') as serial_number,
        still_listed.attributes.onlineStatus as online_status,
        device_macs.mac_address,
        still_listed.attributes.ipAddresses as ip_addresses,
        {{ utc('still_listed.attributes.lastSeenTime') }} as last_seen_at,
        still_listed.last_modified_at,
        still_listed._loaded_at as loaded_at
    from still_listed
    left join device_macs on still_listed.id = device_macs.device_id
)

select * from renamed
