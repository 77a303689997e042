{#- Identity resolution: records of one company that share a short host name, a MAC or a
    serial number are one device. Connected components by label propagation: each pass gives
    every record the smallest label among the records it shares a key with; the graph's
    components are small (a handful of records per device), so a few passes settle it and a
    test checks that the last pass changed nothing. -#}
{% set passes = 6 %}

with

records as (
    select * from {{ ref('int_device_records') }}
    where company_id is not null
),

keys as (
    select record_key, company_id, 'name:' || name_key as shared_key from records
    where name_key is not null and has_plain_name
    union all
    select record_key, company_id, 'mac:' || mac_key from records where mac_key is not null
    union all
    select record_key, company_id, 'serial:' || serial_key from records
    where serial_key is not null
),

label_0 as (
    select record_key, record_key as label from records
),

{% for i in range(1, passes + 1) %}
label_{{ i }} as (
    select
        keys.record_key,
        least(min(by_key.label), min(own.label)) as label
    from keys
    inner join (
        select keys.company_id, keys.shared_key, min(label_{{ i - 1 }}.label) as label
        from keys
        inner join label_{{ i - 1 }} using (record_key)
        group by 1, 2
    ) as by_key
        on keys.company_id = by_key.company_id and keys.shared_key = by_key.shared_key
    inner join label_{{ i - 1 }} as own on keys.record_key = own.record_key
    group by keys.record_key
    union all
    select label_{{ i - 1 }}.record_key, label_{{ i - 1 }}.label
    from label_{{ i - 1 }}
    anti join keys using (record_key)
),
{% endfor %}

final as (
    select
        records.*,
        'dev_' || left(md5(final_label.label), 16) as device_id,
        final_label.label <> previous_label.label as changed_in_last_pass
    from records
    inner join label_{{ passes }} as final_label using (record_key)
    inner join label_{{ passes - 1 }} as previous_label using (record_key)
)

select * from final
