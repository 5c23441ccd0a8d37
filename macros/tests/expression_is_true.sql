{#- Fails for every row where `expression` is not true (dbt_utils.expression_is_true, written here
    because dbt hub packages are unreachable). -#}
{% test expression_is_true(model, expression, column_name=none) %}
    select *
    from {{ model }}
    where not coalesce({{ expression }}, false)
{% endtest %}
