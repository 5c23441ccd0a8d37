-- Rule 7, IQR bounds: exact Q1 and Q3 (linear interpolation, Spark's `percentile`) of each capped
-- column over merchandise purchase lines; bounds Q1 - m*IQR and Q3 + m*IQR, m = var iqr_multiplier.
-- One row per capped column; no rows when capping is switched off (var iqr_capping_enabled), null
-- bounds over no lines when the source's rule cap_outliers is off.
{%- set columns = iqr_capped_columns() %}
{%- set multiplier = var('iqr_multiplier') %}

with purchase_lines as (
    select * from {{ ref('int_order_lines_cancellations_matched') }}
    where removal_reason is null and is_purchase and {{ cleaning_rule('cap_outliers') }}
),

quartiles as (
    {%- for column in columns %}
    select
        '{{ column }}' as column_name,
        percentile({{ column }}, 0.25) as q1,
        percentile({{ column }}, 0.75) as q3,
        count(*) as purchase_lines
    from purchase_lines
    {% if not loop.last %}union all{% endif %}
    {%- else %}
    select
        cast(null as string) as column_name,
        cast(null as double) as q1,
        cast(null as double) as q3,
        cast(0 as bigint) as purchase_lines
    where false
    {%- endfor %}
),

bounds as (
    select
        column_name,
        q1,
        q3,
        q3 - q1 as iqr,
        cast({{ multiplier }} as double) as multiplier,
        -- 4 decimals, like the prices they bound
        cast(q1 - {{ multiplier }} * (q3 - q1) as decimal(18, 4)) as lower_bound,
        cast(q3 + {{ multiplier }} * (q3 - q1) as decimal(18, 4)) as upper_bound,
        purchase_lines
    from quartiles
)

select * from bounds
