{#- Each tool's tenant (account, organisation, partner) mapped to the ConnectWise company, the
    tenant key of every KPI, by the company name as each tool spells it. -#}
with

companies as (
    select * from {{ ref('stg_connectwise__companies') }}
    where company_type is distinct from 'Owner'
),

vendor_tenants as (
    select
        'sentinelone' as vendor,
        account_id as vendor_tenant_id,
        account_name as vendor_tenant_name
    from {{ ref('stg_sentinelone__accounts') }}

    union all

    select
        'auvik' as vendor,
        tenant_id as vendor_tenant_id,
        tenant_name as vendor_tenant_name
    from {{ ref('stg_auvik__tenants') }}
    where tenant_type = 'client'

    union all

    select
        'veeam' as vendor,
        company_uid as vendor_tenant_id,
        company_name as vendor_tenant_name
    from {{ ref('stg_veeam__companies') }}
    where company_uid in (
        select organization_uid from {{ ref('stg_veeam__protected_workloads') }}
    )

    union all

    select
        'cove' as vendor,
        cast(partner_id as varchar) as vendor_tenant_id,
        partner_name as vendor_tenant_name
    from {{ ref('stg_cove__partners') }}
    where partner_level = 'EndCustomer'
),

company_keys as (
    select
        company_id,
        company_name,
        {{ company_name_key('company_name') }} as name_key
    from companies
),

mapped as (
    select
        vendor_tenants.vendor,
        vendor_tenants.vendor_tenant_id,
        vendor_tenants.vendor_tenant_name,
        company_keys.company_id,
        company_keys.company_name
    from vendor_tenants
    left join company_keys
        on {{ company_name_key('vendor_tenants.vendor_tenant_name') }} = company_keys.name_key
),

connectwise as (
    select
        'connectwise' as vendor,
        cast(company_id as varchar) as vendor_tenant_id,
        company_name as vendor_tenant_name,
        company_id,
        company_name
    from companies
)

select * from connectwise
union all
select * from mapped
