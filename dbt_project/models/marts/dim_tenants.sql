with

companies as (
    select * from {{ ref('stg_connectwise__companies') }}
    where company_type is distinct from 'Owner'
),

agreements as (
    select
        company_id,
        arg_max(sla_name, agreement_id) as sla_name
    from {{ ref('stg_connectwise__agreements') }}
    where not is_cancelled
    group by 1
),

mapped as (
    select
        company_id,
        max(vendor_tenant_id) filter (where vendor = 'sentinelone') as sentinelone_account_id,
        max(vendor_tenant_id) filter (where vendor = 'auvik') as auvik_tenant_id,
        max(vendor_tenant_id) filter (where vendor = 'veeam') as veeam_company_uid,
        max(vendor_tenant_id) filter (where vendor = 'cove') as cove_partner_id
    from {{ ref('int_tenants_mapped') }}
    group by 1
),

devices as (
    select
        company_id,
        count(*) as devices,
        count(*) filter (where device_kind = 'server') as servers,
        count(*) filter (where device_kind = 'workstation') as workstations
    from {{ ref('dim_devices') }}
    group by 1
),

final as (
    select
        companies.company_id,
        companies.company_name,
        companies.company_identifier,
        agreements.sla_name,
        mapped.sentinelone_account_id,
        mapped.auvik_tenant_id,
        mapped.veeam_company_uid,
        mapped.cove_partner_id,
        coalesce(devices.devices, 0) as devices,
        coalesce(devices.servers, 0) as servers,
        coalesce(devices.workstations, 0) as workstations
    from companies
    left join agreements using (company_id)
    left join mapped using (company_id)
    left join devices using (company_id)
)

select * from final
