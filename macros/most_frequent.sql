{#- One row per `partition_by` (one column) with the most frequent `value`; ties go to the smallest value.
    `relation` is a CTE or table; rows where `value` is null are ignored. A row counts once, or
    `weight` times when given (a count column of pre-aggregated rows). -#}
{% macro most_frequent(relation, partition_by, value, value_alias=none, where=none, weight=none) -%}
    select {{ partition_by }}, {{ value }} as {{ value_alias or value }}
    from (
        select
            {{ partition_by }},
            {{ value }},
            row_number() over (
                partition by {{ partition_by }} order by {{ 'sum(' ~ weight ~ ')' if weight else 'count(*)' }} desc, {{ value }} asc
            ) as frequency_rank
        from {{ relation }}
        where {{ value }} is not null {% if where %}and ({{ where }}){% endif %}
        group by 1, 2
    ) as ranked
    where frequency_rank = 1
{%- endmacro %}
