-- options: default-database=DB default-schema=RAW
-- LATERAL FLATTEN over a VARIANT path: FLATTEN's VALUE and INDEX come from
-- the flattened input (EVENTS.PAYLOAD); path access and casts transform.
CREATE VIEW order_items AS
SELECT e.id AS event_id,
       e.payload:customer.name::string AS customer_name,
       f.value:sku::string AS sku,
       f.index AS line_no,
       e.payload['channel'] AS channel
FROM events e,
     LATERAL FLATTEN(input => e.payload:items) f
WHERE f.value:qty::int > 0
