{#- Every record that stands for a device in any tool, with the keys identity resolution
    compares: short host name, MAC and serial number, all normalised. -#}
with

tenants as (
    select * from {{ ref('int_tenants_mapped') }}
),

configurations as (
    select
        'connectwise' as vendor,
        cast(configuration_id as varchar) as record_id,
        company_id,
        configuration_name as record_name,
        lower(configuration_type) as kind_hint,
        mac_address,
        serial_number,
        is_active,
        cast(null as timestamptz) as last_seen_at
    from {{ ref('stg_connectwise__configurations') }}
),

agents as (
    select
        'sentinelone' as vendor,
        agents.agent_id as record_id,
        tenants.company_id,
        agents.computer_name as record_name,
        case when agents.machine_type = 'server' then 'server' else 'workstation' end
            as kind_hint,
        agents.mac_address,
        agents.serial_number,
        agents.is_active and not agents.is_decommissioned as is_active,
        agents.last_active_at as last_seen_at
    from {{ ref('stg_sentinelone__agents') }} as agents
    left join tenants
        on tenants.vendor = 'sentinelone' and agents.account_id = tenants.vendor_tenant_id
),

network_devices as (
    select
        'auvik' as vendor,
        devices.device_id as record_id,
        tenants.company_id,
        devices.device_name as record_name,
        case devices.device_type when 'accessPoint' then 'access_point'
            else devices.device_type end as kind_hint,
        devices.mac_address,
        devices.serial_number,
        devices.online_status = 'online' as is_active,
        devices.last_seen_at
    from {{ ref('stg_auvik__devices') }} as devices
    left join tenants
        on tenants.vendor = 'auvik' and devices.tenant_id = tenants.vendor_tenant_id
),

backed_up_vms as (
    select
        'veeam' as vendor,
        workloads.workload_uid as record_id,
        tenants.company_id,
        workloads.workload_name as record_name,
        'server' as kind_hint,
        cast(null as varchar) as mac_address,
        cast(null as varchar) as serial_number,
        true as is_active,
        workloads.latest_restore_point_at as last_seen_at
    from {{ ref('stg_veeam__protected_workloads') }} as workloads
    left join tenants
        on tenants.vendor = 'veeam' and workloads.organization_uid = tenants.vendor_tenant_id
),

backup_accounts as (
    select
        'cove' as vendor,
        cast(accounts.account_id as varchar) as record_id,
        tenants.company_id,
        accounts.computer_name as record_name,
        accounts.os_type as kind_hint,
        cast(null as varchar) as mac_address,
        cast(null as varchar) as serial_number,
        accounts.last_session_status <> 'Missed' as is_active,
        accounts.last_session_started_at as last_seen_at
    from {{ ref('stg_cove__devices') }} as accounts
    left join tenants
        on tenants.vendor = 'cove'
        and cast(accounts.partner_id as varchar) = tenants.vendor_tenant_id
),

unioned as (
    select * from configurations
    union all select * from agents
    union all select * from network_devices
    union all select * from backed_up_vms
    union all select * from backup_accounts
),

keyed as (
    select
        vendor || ':' || record_id as record_key,
        *,
        regexp_replace({{ host_name_key('record_name') }}, '\s*\(.*\)$', '') = {{
            host_name_key('record_name') }} as has_plain_name,
        {{ host_name_key('record_name') }} as name_key,
        {{ mac_colon('mac_address') }} as mac_key,
        {{ serial_key('serial_number') }} as serial_key
    from unioned
)

select * from keyed
