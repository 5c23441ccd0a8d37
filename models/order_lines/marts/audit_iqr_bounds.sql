-- The IQR bounds rule 7 used in this run and how many kept merchandise lines each one capped.
with bounds as (
    select * from {{ ref('int_iqr_bounds') }}
),

order_lines as (
    select * from {{ ref('fct_order_lines') }}
    where is_merchandise
),

capped_counts as (
    select 'quantity' as column_name, count(case when is_quantity_capped then 1 end) as capped_lines
    from order_lines
    union all
    select 'unit_price' as column_name, count(case when is_unit_price_capped then 1 end) as capped_lines
    from order_lines
),

final as (
    select
        bounds.column_name,
        bounds.q1,
        bounds.q3,
        bounds.iqr,
        bounds.multiplier,
        bounds.lower_bound,
        bounds.upper_bound,
        bounds.purchase_lines,
        capped_counts.capped_lines
    from bounds
    left join capped_counts
        on bounds.column_name = capped_counts.column_name
)

select * from final
