-- Ingest rejects of both files: one row per line that could not be used, with the reason.
{%- for dataset, table in [('reviews', 'reviews'), ('items', 'items')] %}
select
    '{{ dataset }}' as dataset,
    source_file,
    raw_line,
    reject_reason
from {{ source('amazon_reviews', table) }}
where reject_reason is not null
{{ "union all" if not loop.last }}
{%- endfor %}
