with

contacts as (
    select * from {{ source('connectwise', 'contacts') }}
    {{ latest_per_key('id', 'last_updated_at') }}
),

renamed as (
    select
        id as contact_id,
        company.id as company_id,
        first_name,
        last_name,
        title,
        inactive_flag as is_inactive,
        default_flag as is_default,
        last_updated_at
    from contacts
)

select * from renamed
