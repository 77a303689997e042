with

agreements as (
    select * from {{ source('connectwise', 'agreements') }}
    {{ latest_per_key('id', 'last_updated_at') }}
),

renamed as (
    select
        id as agreement_id,
        company.id as company_id,
        name as agreement_name,
        agreement_status,
        sla.id as sla_id,
        sla.name as sla_name,
        cancelled_flag as is_cancelled,
        last_updated_at
    from agreements
)

select * from renamed
