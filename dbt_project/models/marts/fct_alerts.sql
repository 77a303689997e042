{#- Alerts from every tool in one schema: severity is critical, warning or info; status is
    open or resolved. -#}
with

tenants as (
    select * from {{ ref('int_tenants_mapped') }}
),

records as (
    select * from {{ ref('dim_device_records') }}
),

network as (
    select
        'auvik' as vendor,
        alerts.alert_id as vendor_alert_id,
        mapped.company_id,
        records.device_id,
        alerts.alert_name,
        case when alerts.severity in ('emergency', 'critical') then 'critical'
            when alerts.severity = 'warning' then 'warning' else 'info' end as severity,
        case when alerts.status = 'resolved' then 'resolved' else 'open' end as status,
        alerts.detected_at as raised_at
    from {{ ref('stg_auvik__alerts') }} as alerts
    left join tenants as mapped
        on mapped.vendor = 'auvik' and alerts.tenant_id = mapped.vendor_tenant_id
    left join records on records.vendor = 'auvik' and alerts.device_id = records.record_id
),

security as (
    select
        'sentinelone' as vendor,
        threat_id as vendor_alert_id,
        company_id,
        device_id,
        threat_name as alert_name,
        case when is_high_severity then 'critical' else 'warning' end as severity,
        case when is_active then 'open' else 'resolved' end as status,
        created_at as raised_at
    from {{ ref('fct_threats') }}
),

unioned as (
    select * from network
    union all
    select * from security
),

final as (
    select
        vendor || ':' || vendor_alert_id as alert_key,
        *,
        cast(timezone('UTC', raised_at) as date) as raised_date
    from unioned
)

select * from final
