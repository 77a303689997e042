with

vms as (
    select * from {{ source('veeam', 'protected_vms') }}
    where {{ in_latest_snapshot('veeam', 'protected_vms') }}
),

renamed as (
    select
        instance_uid as workload_uid,
        object_uid,
        name as workload_name,
        'VirtualMachine' as workload_type,
        organization_uid,
        backup_server_uid,
        job_uid,
        ip_addresses,
        restore_points as restore_point_count,
        {{ utc('latest_restore_point_date') }} as latest_restore_point_at,
        used_source_size as used_source_bytes,
        total_restore_point_size as total_restore_point_bytes,
        malware_state,
        _loaded_at as loaded_at
    from vms
)

select * from renamed
