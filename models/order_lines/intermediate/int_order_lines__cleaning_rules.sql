-- The order-line cleaning rules that run on the loaded data (one row per rule), from the source's
-- stg_<source>__cleaning_rules: the one name the rules' models (macro cleaning_rule) and their unit
-- tests refer to.
{{ config(materialized='view') }}

select
    rule,
    is_applied,
    skipped_because
from {{ ref('stg_' ~ var('data_source') ~ '__cleaning_rules') }}
