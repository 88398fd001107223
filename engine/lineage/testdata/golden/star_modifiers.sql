-- options: default-database=DB default-schema=CRM
-- * EXCLUDE / RENAME / REPLACE / ILIKE, bare and qualified.
CREATE VIEW v_exclude_rename AS
SELECT * EXCLUDE (ssn) RENAME (email AS contact_email) FROM customers;
CREATE VIEW v_replace AS
SELECT * REPLACE (UPPER(name) AS name) FROM customers;
CREATE VIEW v_ilike AS
SELECT * ILIKE '%_id' FROM customers;
CREATE VIEW v_qualified AS
SELECT c.* EXCLUDE (ssn, email), r.region_name
FROM customers c JOIN regions r ON r.region_id = c.region_id
