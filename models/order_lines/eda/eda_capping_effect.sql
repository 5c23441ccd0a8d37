-- What IQR capping (rule 7) did to merchandise purchase lines: five-number summaries of quantity
-- and unit price before (original_*) and after capping, for box plots. Quartiles by
-- percentile_approx (accuracy 10,000).
with purchases as (
    select * from {{ ref('fct_order_lines') }}
    where is_merchandise and is_purchase
),

summaries as (
    {%- for column in ['quantity', 'unit_price'] %}
    {%- for stage, expression in [('before', 'original_' ~ column), ('after', column)] %}
    select
        '{{ column }}' as column_name,
        '{{ stage }}' as stage,
        cast(min({{ expression }}) as double) as min_value,
        percentile_approx({{ expression }}, array(0.25, 0.5, 0.75), 10000) as quartiles,
        cast(max({{ expression }}) as double) as max_value,
        count(*) as purchase_lines
    from purchases
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
),

final as (
    select
        column_name,
        stage,
        min_value,
        cast(quartiles[0] as double) as q1,
        cast(quartiles[1] as double) as median,
        cast(quartiles[2] as double) as q3,
        max_value,
        purchase_lines
    from summaries
)

select * from final
