-- DELIBERATELY BROKEN: demonstrates failure reporting. The closing parenthesis of SUM(
-- is missing, so the parser meets AS on line 7, column 31 where it expects ')'.
-- Ingestion must record this view as failed (with line:col) and still load all others.
CREATE OR REPLACE VIEW ANALYTICS.REPORTING.BROKEN_VIEW AS
SELECT
    ORDER_DATE,
    SUM(NET_REVENUE_USD * 1.2 AS NET_REVENUE_WITH_VAT
FROM ANALYTICS.MARTS.FCT_DAILY_REVENUE
GROUP BY ORDER_DATE;
