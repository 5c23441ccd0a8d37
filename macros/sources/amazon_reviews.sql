{#- Amazon Reviews rules shared by its staging and cleaning models. -#}

{#- Rule: a placeholder string ('None', 'N/A', '', ... var amazon_placeholders) is a missing value.
    Values are trimmed first, so '  None ' is a placeholder too. -#}
{% macro null_if_placeholder(column) -%}
    case
        when trim({{ column }}) in (
            {%- for placeholder in var('amazon_placeholders') %}'{{ placeholder | replace("'", "\\'") }}'{{ ", " if not loop.last }}{% endfor -%}
        ) then null
        else trim({{ column }})
    end
{%- endmacro %}

{#- Rule: a price string -> decimal. '$1,299.99', '1299.99', '$ 12' and '12.5' parse; a range
    ('$10.99 - $15.99'), a dash or text stays null (price_status says which). The seed analysis cast
    the string as it was, which lost every price written with '$' or ','. -#}
{% macro parse_price(column) -%}
    case
        when {{ column }} rlike '^\\$?\\s*([0-9]+|[0-9]{1,3}(,[0-9]{3})+)(\\.[0-9]+)?$'
            then cast(regexp_replace({{ column }}, '[$,\\s]', '') as decimal(18, 2))
    end
{%- endmacro %}

{#- Why a price did or did not parse: parsed, missing, range, text (anything else), not_positive. -#}
{% macro price_status(column) -%}
    case
        when {{ column }} is null then 'missing'
        when {{ parse_price(column) }} > 0 then 'parsed'
        when {{ parse_price(column) }} is not null then 'not_positive'
        when {{ column }} rlike '^\\$?\\s*[0-9][0-9,.]*\\s*[-\u2013]\\s*\\$?\\s*[0-9][0-9,.]*$' then 'range'
        else 'text'
    end
{%- endmacro %}
