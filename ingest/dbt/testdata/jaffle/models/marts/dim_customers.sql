{{ config(tags=['pii']) }}

select
    c.customer_id,
    c.full_name,
    c.email_hash,
    cc.country_name,
    cc.sales_region,
    min(o.order_date) as first_order_date,
    count(o.order_id) as order_count,
    sum(o.amount_paid) as lifetime_value
from {{ ref('stg_customers') }} as c
left join {{ ref('country_codes') }} as cc on cc.country_code = c.country_code
left join {{ ref('fct_orders') }} as o on o.customer_id = c.customer_id
group by c.customer_id, c.full_name, c.email_hash, cc.country_name, cc.sales_region
