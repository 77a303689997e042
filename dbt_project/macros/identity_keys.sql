{#- A company name reduced to what survives every tool's spelling: lower case, no bracketed
    tail, no punctuation, no legal suffix, single spaces. -#}
{% macro company_name_key(column) -%}
    trim(regexp_replace(
        regexp_replace(
            regexp_replace(lower(regexp_replace({{ column }}, '\s*\(.*\)\s*$', '')),
                '[^a-z0-9 ]', ' ', 'g'),
            '\s(inc|llc|llp|ltd|co|pc|corp|gmbh)\s*$', ''),
        '\s+', ' ', 'g'))
{%- endmacro %}

{#- A device name as a short host name: lower case, domain dropped. -#}
{% macro host_name_key(column) -%}
    nullif(split_part(lower(trim({{ column }})), '.', 1), '')
{%- endmacro %}

{#- A serial number compared without case or spaces; placeholders count as missing. -#}
{% macro serial_key(column) -%}
    case
        when upper(regexp_replace({{ column }}, '\s', '', 'g'))
            in ('', 'NONE', 'UNKNOWN', 'N/A', 'TOBEFILLEDBYO.E.M.', 'DEFAULTSTRING')
            then null
        else upper(regexp_replace({{ column }}, '\s', '', 'g'))
    end
{%- endmacro %}
