with orders as (
    select * from {{ ref('stg_orders') }}
),

payments as (
    select * from {{ ref('int_order_payments') }}
)

select
    orders.order_id,
    orders.customer_id,
    orders.order_date,
    orders.status,
    coalesce(payments.amount_paid, 0) as amount_paid,
    case when payments.payment_count > 1 then true else false end as split_payment
from orders
left join payments on payments.order_id = orders.order_id
