with

tenants as (
    select * from {{ source('auvik', 'tenants') }}
),

latest_snapshot as (
    select * from tenants
    where _dlt_load_id = (select max(_dlt_load_id) from tenants)
),

renamed as (
    select
        id as tenant_id,
        attributes.domainPrefix as domain_prefix,
        attributes.displayName as tenant_name,
        attributes.tenantType as tenant_type,
        relationships.parent.data.id as parent_tenant_id,
        attributes.enabled as is_enabled,
        attributes.address.city as city,
        attributes.address.state as state,
        attributes.address.postalCode as postal_code,
        attributes.address.country as country,
        _loaded_at as loaded_at
    from latest_snapshot
)

select * from renamed
