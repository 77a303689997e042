{#- A MAC address in any common spelling (colons, dashes, dots, spaces, upper case) as
    lower-case colon form `aa:bb:cc:dd:ee:ff`. Anything that is not twelve hex digits, and the
    all-zero placeholder some tools report, becomes null. -#}
{% macro mac_colon(column) -%}
    case
        when regexp_full_match(regexp_replace(lower({{ column }}), '[-:. ]', '', 'g'), '[0-9a-f]{12}')
            and regexp_replace({{ column }}, '[-:. 0]', '', 'g') <> ''
            then regexp_replace(
                regexp_replace(lower({{ column }}), '[-:. ]', '', 'g'),
                '^(..)(..)(..)(..)(..)(..)$', '\1:\2:\3:\4:\5:\6'
            )
    end
{%- endmacro %}
