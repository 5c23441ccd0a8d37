{#- Build then swap, for the tables BI tools and the dashboard read.

    The model is written to a new physical table `<schema>_versions.<name>__v<run start>`; only once it
    is complete does the view `<schema>.<name>` switch to it (ALTER VIEW ... AS is one metastore
    update). A query that is reading `<name>` meanwhile sees the old version or the new one, never a
    missing or half-written table, which a plain `table` (drop, then create as select) would show it.
    The version the view pointed to before is kept, so that a query that started on it can finish;
    older versions, and any left by an interrupted run, are dropped. -#}
{% materialization published_table, adapter='spark' %}
  {%- set identifier = model['alias'] -%}
  {%- set versions_schema = schema ~ '_versions' -%}
  {%- set version = api.Relation.create(
        schema=versions_schema, identifier=identifier ~ '__v' ~ run_started_at.strftime('%Y%m%d%H%M%S%f'),
        type='table') -%}
  {%- set target_relation = this.incorporate(type='view') -%}
  {%- set existing = adapter.get_relation(database=database, schema=schema, identifier=identifier) -%}
  {%- set previous = published_table_version(existing, identifier) -%}

  {{ run_hooks(pre_hooks) }}
  {% do adapter.create_schema(api.Relation.create(schema=versions_schema)) %}
  {% call statement('main') -%}
    {{ create_table_as(False, version, compiled_code) }}
  {%- endcall %}
  {% if existing is not none and not existing.is_view %}
    {#- a table from before this materialization: replaced once, with a short gap -#}
    {% do adapter.drop_relation(existing) %}
  {% endif %}
  {#- ALTER VIEW is one metastore update; Spark runs CREATE OR REPLACE VIEW as a drop, then a create. -#}
  {% call statement('swap') -%}
    {{ 'alter' if existing is not none and existing.is_view else 'create' }} view {{ target_relation }}
    as select * from {{ version }}
  {%- endcall %}
  {% for name in run_query('show tables in ' ~ versions_schema).columns['tableName'].values() %}
    {%- if name.startswith(identifier ~ '__v') and name not in [version.identifier, previous] %}
      {% do adapter.drop_relation(version.incorporate(path={'identifier': name})) %}
    {%- endif %}
  {% endfor %}
  {{ run_hooks(post_hooks) }}
  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}


{#- The version table the published view reads, or none. -#}
{% macro published_table_version(existing, identifier) %}
  {%- if existing is none or not existing.is_view -%}
    {{ return(none) }}
  {%- endif -%}
  {%- set definition = run_query('show create table ' ~ existing).columns[0].values()[0] -%}
  {%- set found = modules.re.search(identifier ~ '__v[0-9]+', definition) -%}
  {{ return(found.group(0) if found else none) }}
{% endmacro %}
