with

repositories as (
    select * from {{ source('veeam', 'repositories') }}
    where {{ in_latest_snapshot('veeam', 'repositories') }}
),

renamed as (
    select
        instance_uid as repository_uid,
        name as repository_name,
        backup_server_uid,
        _embedded.type as repository_type,
        _embedded.capacity as capacity_bytes,
        _embedded.freeSpace as free_bytes,
        _embedded.usedSpace as used_bytes,
        _embedded.backupSize as backup_bytes,
        _embedded.status as repository_status,
        _loaded_at as loaded_at
    from repositories
)

select * from renamed
