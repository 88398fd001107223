-- Inlined by dbt into every model that refs it (ephemeral).
select
    order_id,
    sum(amount) as amount_paid,
    count(*) as payment_count
from {{ ref('stg_payments') }}
group by order_id
