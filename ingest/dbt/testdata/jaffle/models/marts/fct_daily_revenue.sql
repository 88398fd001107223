{{ config(materialized='incremental', unique_key='order_date', meta={'owner': 'finance-data'}) }}

select
    order_date,
    count(order_id) as orders,
    sum(amount_paid) as revenue
from {{ ref('fct_orders') }}
where status <> 'cancelled'
{% if is_incremental() %}
  and order_date > (select max(order_date) from {{ this }})
{% endif %}
group by order_date
