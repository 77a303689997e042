with

companies as (
    select * from {{ source('connectwise', 'companies') }}
    {{ latest_per_key('id', 'last_updated_at') }}
),

renamed as (
    select
        id as company_id,
        identifier as company_identifier,
        name as company_name,
        types[1].name as company_type,
        status.name as status_name,
        website,
        deleted_flag as is_deleted,
        {{ utc('_info.dateEntered') }} as entered_at,
        last_updated_at
    from companies
)

select * from renamed
