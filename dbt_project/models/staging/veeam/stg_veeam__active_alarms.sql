with

alarms as (
    select * from {{ source('veeam', 'active_alarms') }}
    where {{ in_latest_snapshot('veeam', 'active_alarms') }}
),

renamed as (
    select
        instance_uid as alarm_uid,
        alarm_template_uid,
        object.type as object_type,
        object.objectUid as object_uid,
        object.objectName as object_name,
        object.organizationUid as organization_uid,
        object.computerName as computer_name,
        repeat_count,
        last_activation.status as alarm_status,
        last_activation.message as message,
        {{ utc('last_activation.time') }} as last_activated_at,
        _loaded_at as loaded_at
    from alarms
)

select * from renamed
