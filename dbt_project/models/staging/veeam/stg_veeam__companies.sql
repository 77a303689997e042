with

companies as (
    select * from {{ source('veeam', 'companies') }}
    where {{ in_latest_snapshot('veeam', 'companies') }}
),

renamed as (
    select
        instance_uid as company_uid,
        name as company_name,
        status as company_status,
        _embedded.organization.type as organization_type,
        _embedded.organization.alias as company_alias,
        _embedded.organization.email as email,
        _embedded.organization.city as city,
        _embedded.organization.regionName as region_name,
        _embedded.organization.website as website,
        reseller_uid,
        is_alarm_detect_enabled,
        _loaded_at as loaded_at
    from companies
)

select * from renamed
