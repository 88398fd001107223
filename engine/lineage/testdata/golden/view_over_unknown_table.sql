-- options: expand-views
-- A view over a table nobody described (no catalog): its columns are not
-- known, yet a later statement's references pass through it to the table.
CREATE VIEW v AS SELECT * FROM raw_t;
CREATE VIEW w AS SELECT a, b FROM v;
SELECT a FROM w
