with

agents as (
    select * from {{ source('sentinelone', 'agents') }}
),

live_agent_ids as (
    select * from {{ source('sentinelone', 'live_agent_ids') }}
),

latest_snapshot as (
    select max(_dlt_load_id) as load_id from live_agent_ids
),

live_ids as (
    select id from live_agent_ids
    where _dlt_load_id = (select load_id from latest_snapshot)
),

latest as (
    select * from agents
    {{ latest_per_key('id', 'last_updated_at') }}
),

-- An agent is gone when a snapshot taken after its latest version no longer lists it.
still_listed as (
    select * from latest
    where
        id in (select id from live_ids)
        or _dlt_load_id > (select load_id from latest_snapshot)
),

renamed as (
    select
        id as agent_id,
        uuid as agent_uuid,
        account_id,
        site_id,
        group_id,
        computer_name,
        nullif(serial_number, '') as serial_number,
        list_filter(
            list_distinct(list_transform(
                network_interfaces, lambda nic: {{ mac_colon('nic.physical') }}
            )),
            lambda mac: mac is not null
        ) as mac_addresses,
        {{ mac_colon('network_interfaces[1].physical') }} as mac_address,
        flatten(list_transform(network_interfaces, lambda nic: nic.inet)) as ip_addresses,
        last_ip_to_mgmt as management_ip,
        os_type,
        os_name,
        machine_type,
        model_name,
        agent_version,
        is_active,
        is_decommissioned,
        infected as is_infected,
        active_threats,
        network_status,
        {{ utc('last_active_date') }} as last_active_at,
        {{ utc('registered_at') }} as registered_at,
        last_updated_at as updated_at,
        _loaded_at as loaded_at
    from still_listed
)

select * from renamed
