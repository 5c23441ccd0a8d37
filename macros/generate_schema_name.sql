{#- Layers land in databases named after their custom schema (staging, intermediate, analytics...),
    not in dbt's default `<target schema>_<custom schema>`: BI users read `analytics.customer_segments`. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ (custom_schema_name or target.schema) | trim }}
{%- endmacro %}
