with

alerts as (
    select * from {{ source('auvik', 'alerts') }}
    {{ latest_per_key('id', 'detected_at') }}
),

renamed as (
    select
        id as alert_id,
        relationships.tenant.data.id as tenant_id,
        relationships.entity.data.type as entity_type,
        relationships.entity.data.id as entity_id,
        case
            when relationships.entity.data.type = 'device'
                then relationships.entity.data.id
        end as device_id,
        attributes.name as alert_name,
        attributes.severity as severity,
        attributes.status as status,
        attributes.alertDefinitionId as alert_definition_id,
        attributes.description as description,
        detected_at,
        attributes.dismissed as is_dismissed,
        attributes.dispatched as is_dispatched,
        _loaded_at as loaded_at
    from alerts
)

select * from renamed
