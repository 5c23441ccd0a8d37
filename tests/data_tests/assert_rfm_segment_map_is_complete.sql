-- The RFM map covers all 125 score cells (its uniqueness test makes them disjoint) and uses each of
-- the 11 named segments. Returns a row per missing cell or segment.
with scores as (
    select explode(sequence(1, 5)) as score
),

cells as (
    select r.score as r_score, f.score as f_score, m.score as m_score
    from scores as r
    cross join scores as f
    cross join scores as m
),

missing_cells as (
    select concat_ws(',', cells.r_score, cells.f_score, cells.m_score) as missing
    from cells
    left join {{ ref('rfm_segment_map') }} as map
        on cells.r_score = map.r_score
        and cells.f_score = map.f_score
        and cells.m_score = map.m_score
    where map.rfm_segment is null
),

used_segments as (
    select distinct rfm_segment from {{ ref('rfm_segment_map') }}
),

missing_segments as (
    select playbook.segment as missing
    from {{ ref('segment_playbook') }} as playbook
    left join used_segments as used
        on playbook.segment = used.rfm_segment
    where playbook.segment_type = 'rfm' and used.rfm_segment is null
)

select * from missing_cells
union all
select * from missing_segments
