with

servers as (
    select * from {{ source('veeam', 'backup_servers') }}
    where {{ in_latest_snapshot('veeam', 'backup_servers') }}
),

renamed as (
    select
        instance_uid as backup_server_uid,
        name as backup_server_name,
        organization_uid,
        version,
        backup_server_role_type as role_type,
        status as server_status,
        _loaded_at as loaded_at
    from servers
)

select * from renamed
