-- Every line a cleaning rule removed, with the reason and the rule. Together with fct_order_lines
-- and the ingest rejects this accounts for every data line of the input.
-- int_order_lines_deduplicated holds the lines of rule 2 too (int_order_lines_customer_filled is
-- a view read in the same query).
{%- set steps = [
    ('int_order_lines_deduplicated', "case removal_reason when 'missing_customer_id' then 2 else 3 end"),
    ('int_order_lines_prices_imputed', 5),
    ('int_order_lines_cancellations_matched', 6),
] %}

with
{%- for model, rule in steps %}
removed_by_{{ model }} as (
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
        removal_reason,
        {{ rule }} as rule_order
    from {{ ref(model) }}
    where removal_reason is not null
),
{%- endfor %}

removed as (
    {%- for model, rule in steps %}
    select * from removed_by_{{ model }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}
)

select * from removed
