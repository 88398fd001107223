-- options: default-database=DB default-schema=DW
-- CREATE TABLE AS SELECT, with and without a column list.
CREATE OR REPLACE TABLE daily_totals AS
SELECT order_ts::date AS order_date, SUM(amount) AS total
FROM stg.orders GROUP BY 1;
CREATE TABLE daily_totals2 (d DATE, t NUMBER) AS
SELECT order_ts::date, SUM(amount) FROM stg.orders GROUP BY ALL
