-- options: default-database=DB default-schema=S
-- Masking: hashes hide the value (masking true); a column reached both
-- masked and unmasked is exposed (masking false); a view column with a
-- masking policy is masked; COUNT exposes no value.
CREATE VIEW v_masked (email_hash, ssn WITH MASKING POLICY ssn_mask, both_ways, n) AS
SELECT SHA2(email, 256), ssn, email || MD5(email), COUNT(phone)
FROM customers
GROUP BY email, ssn
