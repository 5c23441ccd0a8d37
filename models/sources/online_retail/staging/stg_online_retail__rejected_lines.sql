with source as (
    select * from {{ source('online_retail', 'rejects') }}
),

renamed as (
    select
        source_file,
        raw_line,
        reject_reason
    from source
)

select * from renamed
