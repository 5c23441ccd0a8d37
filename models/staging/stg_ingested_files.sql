with source as (
    select * from {{ source('ingest', 'files') }}
),

renamed as (
    select
        ingest_id,
        source_file,
        dataset,
        sha256,
        size_bytes,
        status,
        duplicate_of,
        lines,
        header_lines,
        blank_lines,
        rows_loaded,
        rows_rejected,
        latin1_lines,
        ingested_at
    from source
)

select * from renamed
