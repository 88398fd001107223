{{ config(materialized='table') }}
-- Orders net of discounts, without cancelled ones: the table the nightly task aggregates.
select
    order_id,
    customer_id,
    status,
    amount - discount_amount as net_amount,
    currency,
    cast(created_at as date) as order_date
from {{ ref('stg_orders') }}
where status <> 'cancelled'
