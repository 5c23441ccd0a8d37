-- Which order-line cleaning rules ran for the loaded data, and why one did not (a column that is
-- not mapped, or a rule switched off in the transactions mapping).
select
    rule,
    is_applied,
    skipped_because
from {{ ref('int_order_lines__cleaning_rules') }}
