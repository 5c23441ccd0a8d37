{#- A deterministic key from several columns. Nulls and empty strings hash differently, and the
    separator keeps ('ab', 'c') apart from ('a', 'bc'). -#}
{% macro surrogate_key(columns) -%}
    md5(concat_ws('|'
    {%- for column in columns %}, coalesce(cast({{ column }} as string), '\u0000null'){% endfor -%}
    ))
{%- endmacro %}
