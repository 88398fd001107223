{# dbt-snowflake ships the dynamic_table materialization; DuckDB has none, so
   this project defines one that builds a plain table. It lets the manifest
   carry materialized: dynamic_table with target_lag and snowflake_warehouse
   exactly as a dbt-snowflake project writes them. #}
{% materialization dynamic_table, default %}
  {%- set target_relation = this.incorporate(type='table') -%}
  {%- set existing = adapter.get_relation(database=this.database, schema=this.schema, identifier=this.identifier) -%}
  {%- if existing is not none -%}
    {{ adapter.drop_relation(existing) }}
  {%- endif -%}
  {% call statement('main') -%}
    create table {{ target_relation }} as (
      {{ sql }}
    )
  {%- endcall %}
  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
