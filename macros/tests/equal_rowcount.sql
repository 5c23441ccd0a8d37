{#- Fails when `model` and `compare_model` do not hold the same number of rows. -#}
{% test equal_rowcount(model, compare_model, where=none, compare_where=none) %}
    with model_rows as (
        select count(*) as row_count from {{ model }} {% if where %}where {{ where }}{% endif %}
    ),
    compare_rows as (
        select count(*) as row_count from {{ compare_model }} {% if compare_where %}where {{ compare_where }}{% endif %}
    )
    select model_rows.row_count as model_row_count, compare_rows.row_count as compare_row_count
    from model_rows
    cross join compare_rows
    where model_rows.row_count != compare_rows.row_count
{% endtest %}
