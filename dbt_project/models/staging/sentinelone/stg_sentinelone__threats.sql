with

threats as (
    select * from {{ source('sentinelone', 'threats') }}
),

latest as (
    select * from threats
    {{ latest_per_key('id', 'last_updated_at') }}
),

renamed as (
    select
        id as threat_id,
        agent_realtime_info.agentId as agent_id,
        agent_realtime_info.siteId as site_id,
        agent_realtime_info.accountId as account_id,
        threat_info.threatName as threat_name,
        threat_info.classification as classification,
        threat_info.confidenceLevel as confidence_level,
        threat_info.analystVerdict as analyst_verdict,
        threat_info.incidentStatus as incident_status,
        threat_info.mitigationStatus as mitigation_status,
        threat_info.incidentStatus = 'resolved' as is_resolved,
        threat_info.sha1 as file_sha1,
        threat_info.filePath as file_path,
        {{ utc('threat_info.createdAt') }} as created_at,
        -- The end of the first mitigation action that succeeded.
        list_min(list_transform(
            list_filter(latest.mitigation_status, lambda m: m.status = 'success'),
            lambda m: {{ utc('m.mitigationEndedAt') }}
        )) as mitigated_at,
        last_updated_at as updated_at,
        _loaded_at as loaded_at
    from latest
)

select * from renamed
