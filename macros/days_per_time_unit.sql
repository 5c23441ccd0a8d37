-- The length of the customer-value models' time unit (var value_time_unit) in days. A month is a
-- twelfth of an average year. ml/customer_value.py converts the yearly discount rate with the same.
{% macro days_per_time_unit(unit) %}
    {%- set days = {'days': 1, 'weeks': 7, 'months': 30.4375} -%}
    {%- if unit not in days -%}
        {{ exceptions.raise_compiler_error("var value_time_unit is '" ~ unit ~ "': use days, weeks or months") }}
    {%- endif -%}
    {{ days[unit] }}
{%- endmacro %}
