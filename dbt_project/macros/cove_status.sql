{#- A Cove session status code (F00, or one colour-bar character) as the result names the
    marts use; codes of sessions still running or with nothing selected give null. -#}
{% macro cove_session_status(code) -%}
    case {{ code }}
        when '5' then 'Success'
        when '8' then 'Warning'
        when '7' then 'Missed'
        when '2' then 'Failed'
        when '3' then 'Failed'
        when '6' then 'Failed'
        when '10' then 'Failed'
    end
{%- endmacro %}
