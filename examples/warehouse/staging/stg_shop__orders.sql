-- Shop orders, deduplicated on the latest load; statuses normalised.
-- Relies on the default database (ANALYTICS) for its own name.
CREATE OR REPLACE VIEW STAGING.STG_SHOP__ORDERS AS
WITH deduplicated AS (
    SELECT *
    FROM RAW.SHOP.ORDERS
    QUALIFY ROW_NUMBER() OVER (PARTITION BY ID ORDER BY UPDATED_AT DESC, _LOADED_AT DESC) = 1
)
SELECT
    o.ID AS ORDER_ID,
    o.CUSTOMER_ID,
    CASE LOWER(o.STATUS)
        WHEN 'complete' THEN 'completed'
        WHEN 'completed' THEN 'completed'
        WHEN 'shipped' THEN 'shipped'
        WHEN 'cancelled' THEN 'cancelled'
        WHEN 'canceled' THEN 'cancelled'
        WHEN 'refunded' THEN 'refunded'
        ELSE 'pending'
    END AS ORDER_STATUS,
    o.AMOUNT AS ORDER_AMOUNT,
    UPPER(o.CURRENCY) AS CURRENCY,
    NVL(o.DISCOUNT_AMOUNT, 0) AS DISCOUNT_AMOUNT,
    NVL(o.SHIPPING_AMOUNT, 0) AS SHIPPING_AMOUNT,
    NVL(o.TAX_AMOUNT, 0) AS TAX_AMOUNT,
    LOWER(o.CHANNEL) AS CHANNEL,
    NULLIF(UPPER(TRIM(o.COUPON_CODE)), '') AS COUPON_CODE,
    IFF(o.COUPON_CODE IS NOT NULL, TRUE, FALSE) AS HAS_COUPON,
    o.SHIPPING_ADDRESS:country::STRING AS SHIP_COUNTRY_CODE,
    o.SHIPPING_ADDRESS:postal_code::STRING AS SHIP_POSTAL_CODE,
    o.CREATED_AT AS ORDERED_AT,
    o.CREATED_AT::DATE AS ORDER_DATE,
    o.UPDATED_AT
FROM deduplicated AS o;
