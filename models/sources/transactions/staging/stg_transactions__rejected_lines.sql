select
    source_file,
    raw_line,
    reject_reason
from {{ source('transactions', 'lines') }}
where reject_reason is not null
