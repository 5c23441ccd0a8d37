{#- Fails for every row that breaks at least one of `rules` (a mapping: rule name -> condition that
    must be true; a null result breaks the rule, so write `x is null or ...` where null is allowed).
    All of a model's row-level checks run in one scan of the model, where one not_null or
    accepted_range test per column would scan it once each: at 50M lines that is minutes per model.
    Each failing row carries `failed_rules`, the names of the rules it breaks (see them with
    `dbt test --select <model> --store-failures`). -#}
{% test row_rules(model, rules) %}
    with checked as (
        select
            *,
            concat_ws(', '
                {%- for name, condition in rules.items() %},
                case when not coalesce({{ condition }}, false) then '{{ name }}' end
                {%- endfor %}
            ) as failed_rules
        from {{ model }}
    )

    select * from checked where failed_rules != ''
{% endtest %}
