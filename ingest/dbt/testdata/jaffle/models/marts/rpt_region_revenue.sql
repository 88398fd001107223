{{ config(materialized='dynamic_table', target_lag='1 hour', snowflake_warehouse='reporting_wh') }}

select
    d.sales_region,
    sum(d.lifetime_value) as revenue,
    count(*) as customers
from {{ ref('dim_customers') }} as d
group by d.sales_region
