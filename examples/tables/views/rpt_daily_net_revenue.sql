-- Daily net revenue per currency, read from the table the nightly task fills.
create or replace view analytics.reporting.rpt_daily_net_revenue as
select
    order_date,
    currency,
    orders,
    net_revenue,
    net_revenue / nullif(orders, 0) as avg_order_value
from analytics.etl.daily_order_totals;
