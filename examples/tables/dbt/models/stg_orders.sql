{{ config(materialized='ephemeral') }}
-- Inlined by dbt into every model that reads it (a __dbt__cte__stg_orders CTE).
select
    id as order_id,
    customer_id,
    lower(status) as status,
    amount,
    coalesce(discount_amount, 0) as discount_amount,
    upper(currency) as currency,
    created_at
from {{ source('shop', 'orders') }}
