{#- Whether an order-line cleaning rule runs on the loaded data: true or false, read once per query
    from int_order_lines__cleaning_rules (a scalar subquery, so the plan around it is the same as
    with a constant). A unit test gives that model as an input with the rules it needs. -#}
{% macro cleaning_rule(rule) -%}
    coalesce((
        select rules.is_applied from {{ ref('int_order_lines__cleaning_rules') }} as rules
        where rules.rule = '{{ rule }}'
    ), false)
{%- endmacro %}
