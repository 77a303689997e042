{#- EDR coverage now, per company: workstations and servers with a live SentinelOne agent. -#}
with

devices as (
    select * from {{ ref('dim_devices') }}
    where device_kind in ('workstation', 'server')
),

final as (
    select
        company_id,
        count(*) as endpoints,
        count(*) filter (where has_edr_agent) as endpoints_with_edr,
        round(count(*) filter (where has_edr_agent) / count(*), 4) as edr_coverage_rate,
        count(*) filter (where device_kind = 'server' and not has_edr_agent)
            as servers_without_edr
    from devices
    group by company_id
)

select * from final
