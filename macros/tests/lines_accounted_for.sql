{#- Every line read is accounted for. Attached to a raw table the ingest wrote (`model`): fails
    (one row) when the sum of `audit_column` over `audit` differs from the raw table's rows, or,
    given `ingested` (stg_ingested_files), from the data lines the ingest counted in the files it
    loaded (only those of `ingested_dataset` when given). Each source applies it in its YAML. -#}
{% test lines_accounted_for(model, audit, audit_column='row_count', ingested=none, ingested_dataset=none) %}
    with audited as (
        select sum({{ audit_column }}) as audited_lines
        from {{ audit }}
    ),

    raw_tables as (
        select count(*) as raw_lines
        from {{ model }}
    ),

    {%- if ingested is not none %}

    ingested as (
        select sum(rows_loaded + rows_rejected) as data_lines
        from {{ ingested }}
        where
            status = 'loaded'
            {%- if ingested_dataset is not none %}
            and dataset = '{{ ingested_dataset }}'
            {%- endif %}
    ),
    {%- endif %}

    final as (
        select
            audited.audited_lines,
            raw_tables.raw_lines
            {%- if ingested is not none %},
            ingested.data_lines
            {%- endif %}
        from audited
        cross join raw_tables
        {%- if ingested is not none %}
        cross join ingested
        {%- endif %}
        where
            audited.audited_lines != raw_tables.raw_lines
            {%- if ingested is not none %}
            or audited.audited_lines != ingested.data_lines
            {%- endif %}
    )

    select * from final
{% endtest %}
