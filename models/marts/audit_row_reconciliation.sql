-- One row per outcome a data line of the current source can have (seed row_outcome_reasons):
-- rejected at ingest, removed by a rule, kept; zero counts included. The source named by var
-- data_source contributes its counts as int_<source>__row_outcomes (reason, row_count). The counts
-- add up to the lines read (each source's YAML tests it with lines_accounted_for).
with reasons as (
    select * from {{ ref('row_outcome_reasons') }}
    where data_source = '{{ var('data_source') }}'
),

counted as (
    select * from {{ ref('int_' ~ var('data_source') ~ '__row_outcomes') }}
),

final as (
    select
        reasons.rule_order,
        reasons.outcome,
        reasons.reason,
        coalesce(counted.row_count, 0) as row_count,
        reasons.description
    from reasons
    left join counted
        on reasons.reason = counted.reason
)

select * from final
