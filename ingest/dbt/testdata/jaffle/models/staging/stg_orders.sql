select
    id as order_id,
    customer_id,
    cast(ordered_at as date) as order_date,
    lower(status) as status
from {{ source('shop', 'orders') }}
where status <> 'test'
