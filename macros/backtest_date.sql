{#- A backtest date var (yyyy-mm-dd) as a SQL date; `segments backtest` checks the value first.
    Checked only when run: dbt renders the backtest models at parse time even when they are off. -#}
{% macro backtest_date(name) %}
    {%- set value = var(name) -%}
    {%- if execute and not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', value | string) -%}
        {{ exceptions.raise_compiler_error("var " ~ name ~ " is '" ~ value ~ "': use a date, yyyy-mm-dd") }}
    {%- endif -%}
    cast('{{ value }}' as date)
{%- endmacro %}
