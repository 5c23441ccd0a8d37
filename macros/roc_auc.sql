{#- ROC AUC of a score against a boolean label, by the rank sum: the share of (positive, negative)
    pairs in which the positive has the higher score, ties counting half. One row per distinct
    score is sorted, not one per row. -#}
{% macro roc_auc(relation, score, label) %}
    select
        sum(cast(positives as double) * (negatives_below + negatives / 2.0d)) / (sum(positives) * sum(negatives))
    from (
        select
            positives,
            negatives,
            coalesce(
                sum(negatives) over (order by score rows between unbounded preceding and 1 preceding), 0
            ) as negatives_below
        from (
            select
                {{ score }} as score,
                count_if({{ label }}) as positives,
                count_if(not {{ label }}) as negatives
            from {{ relation }}
            where {{ score }} is not null
            group by 1
        )
    )
{% endmacro %}
