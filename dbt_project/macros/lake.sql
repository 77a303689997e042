{#- The lake path of one vendor resource, read with every file's columns unioned by name. -#}
{% macro lake_files(vendor, resource) -%}
    read_parquet('{{ env_var('MSP_LAKE_URL', '../data/lake') }}/{{ vendor }}/{{ resource }}/*.parquet', union_by_name = true)
{%- endmacro %}

{#- Keep the newest version of each record: latest load first, then the latest change. -#}
{% macro latest_per_key(key, cursor=none) -%}
    qualify row_number() over (
        partition by {{ key }}
        order by _dlt_load_id desc{% if cursor %}, {{ cursor }} desc{% endif %}
    ) = 1
{%- endmacro %}

{#- An ISO 8601 string as a UTC timestamp; null stays null. -#}
{% macro utc(column) -%}
    cast({{ column }} as timestamptz)
{%- endmacro %}

{#- Schema names without the target prefix: staging, intermediate, marts. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ custom_schema_name if custom_schema_name else target.schema }}
{%- endmacro %}
