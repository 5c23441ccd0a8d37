{#- Fails for every row whose `column_name` is not (null-safe) the `field` (default: the same name)
    of the `to` row with the same `key`: an attribute copied from a dimension stays what it says. -#}
{% test same_as(model, column_name, to, key, field=none) %}
    select
        copied.{{ key }},
        copied.{{ column_name }},
        dimension.{{ field or column_name }} as expected
    from {{ model }} as copied
    left join {{ to }} as dimension
        on copied.{{ key }} = dimension.{{ key }}
    where not (copied.{{ column_name }} <=> dimension.{{ field or column_name }})
{% endtest %}
