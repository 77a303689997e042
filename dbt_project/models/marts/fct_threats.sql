with

threats as (
    select * from {{ ref('stg_sentinelone__threats') }}
),

records as (
    select * from {{ ref('dim_device_records') }}
    where vendor = 'sentinelone'
),

tenants as (
    select * from {{ ref('int_tenants_mapped') }}
    where vendor = 'sentinelone'
),

final as (
    select
        threats.threat_id,
        tenants.company_id,
        records.device_id,
        threats.agent_id,
        threats.threat_name,
        threats.classification,
        threats.confidence_level,
        threats.incident_status,
        threats.mitigation_status,
        threats.is_resolved,
        threats.created_at,
        cast(timezone('UTC', threats.created_at) as date) as created_date,
        threats.mitigated_at,
        round(date_diff('second', threats.created_at, threats.mitigated_at) / 60.0, 1)
            as minutes_to_mitigate,
        threats.confidence_level = 'malicious' as is_high_severity,
        threats.mitigated_at is null and not threats.is_resolved as is_active
    from threats
    left join tenants on threats.account_id = tenants.vendor_tenant_id
    left join records on threats.agent_id = records.record_id
)

select * from final
