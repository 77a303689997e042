{#- What the contain-threat playbook should act on now: one row per unresolved
    high-severity SentinelOne threat on a server. Containment (network isolation) is
    destructive, so the playbook only asks for approval from these rows; the key stays the
    same for as long as the threat stays active. -#}
with

threats as (
    select * from {{ ref('fct_threats') }}
    where is_active and is_high_severity
),

devices as (
    select * from {{ ref('dim_devices') }}
),

tenants as (
    select * from {{ ref('dim_tenants') }}
),

final as (
    select
        'contain_threat:' || threats.threat_id as idempotency_key,
        'contain_threat' as playbook,
        threats.company_id,
        tenants.company_name,
        threats.device_id,
        devices.device_name,
        devices.device_kind,
        devices.connectwise_configuration_id,
        threats.agent_id as sentinelone_agent_id,
        threats.threat_id,
        threats.threat_name,
        threats.classification,
        threats.confidence_level,
        threats.incident_status,
        threats.created_at as threat_created_at,
        cast('{{ run_started_at }}' as timestamptz) as policy_built_at
    from threats
    inner join devices on threats.device_id = devices.device_id
    left join tenants on threats.company_id = tenants.company_id
    where devices.device_kind = 'server'
)

select * from final
