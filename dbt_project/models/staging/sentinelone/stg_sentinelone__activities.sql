with

activities as (
    select * from {{ source('sentinelone', 'activities') }}
    {{ latest_per_key('id', 'recorded_at') }}
),

renamed as (
    select
        id as activity_id,
        activity_type,
        account_id,
        site_id,
        agent_id,
        threat_id,
        primary_description,
        recorded_at as created_at,
        _loaded_at as loaded_at
    from activities
)

select * from renamed
