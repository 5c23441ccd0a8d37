{#- The columns rule 7 caps in this run: var `iqr_capped_columns` when `iqr_capping_enabled`,
    else none. Only quantity and unit_price can be capped. -#}
{% macro iqr_capped_columns() -%}
    {%- set allowed = ['quantity', 'unit_price'] -%}
    {%- set columns = var('iqr_capped_columns') if var('iqr_capping_enabled') else [] -%}
    {%- if columns is string -%}{%- set columns = [columns] -%}{%- endif -%}
    {%- for column in columns if column not in allowed -%}
        {{ exceptions.raise_compiler_error(
            "var iqr_capped_columns: cannot cap '" ~ column ~ "'; choose from " ~ allowed | join(', ')
        ) }}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}

{#- `value` limited to [lower_bound, upper_bound] of `column` (columns of the `<column>_bounds` CTE). -#}
{% macro capped(value, column) -%}
    least(greatest({{ value }}, {{ column }}_bounds.lower_bound), {{ column }}_bounds.upper_bound)
{%- endmacro %}
