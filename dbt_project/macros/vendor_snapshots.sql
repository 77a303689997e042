{#- Rows of a resource's latest snapshot: the newest load that the source's `snapshots` table
    says read that resource. A snapshot with no rows (no active alarms) still wins. -#}
{% macro in_latest_snapshot(vendor, resource) -%}
    _dlt_load_id = (
        select max(_dlt_load_id) from {{ source(vendor, 'snapshots') }}
        where resource = '{{ resource }}'
    )
{%- endmacro %}

{#- Unix seconds held as text (as Cove sends them) as a UTC timestamp; "" and null stay null. -#}
{% macro unix_utc(column) -%}
    to_timestamp(cast(nullif({{ column }}, '') as bigint))
{%- endmacro %}

{#- The UTC calendar day of a timestamptz, whatever the session time zone. -#}
{% macro utc_date(column) -%}
    cast(timezone('UTC', {{ column }}) as date)
{%- endmacro %}
