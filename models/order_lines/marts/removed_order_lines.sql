-- Every line a cleaning rule removed, with the reason and the rule. Together with fct_order_lines
-- and the ingest rejects this accounts for every data line of the input.
-- int_order_lines_deduplicated holds the lines of rule 2 too (int_order_lines_customer_filled is
-- a view read in the same query), and int_order_lines_cancellations_matched those of rule 5 (the
-- view int_order_lines_prices_imputed). The rule's number comes from the seed
-- row_outcome_reasons, which numbers every reason.
{%- set removing_models = [
    'int_order_lines_deduplicated',
    'int_order_lines_cancellations_matched',
] %}

with reasons as (
    select reason, rule_order from {{ ref('row_outcome_reasons') }}
    where data_source = '{{ var("data_source") }}' and outcome = 'removed'
),

removed as (
    {%- for model in removing_models %}
    select
        invoice_no,
        stock_code,
        description,
        quantity,
        invoiced_at,
        unit_price,
        customer_id,
        country,
        source_file,
        removal_reason
    from {{ ref(model) }}
    where removal_reason is not null
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

-- a left join: a reason missing from the seed keeps its line (and fails the relationships test)
select /*+ broadcast(reasons) */
    removed.*,
    reasons.rule_order
from removed
left join reasons
    on removed.removal_reason = reasons.reason
