-- Name resolution against a hand-written (lower-case) catalog: exact match
-- first, then a unique case-insensitive match (with a warning); a column the
-- catalog lacks on a table the reference names unambiguously keeps an
-- unverified edge; an unqualified one with two candidate tables does not.
SELECT o.o_orderkey::NUMBER(20,0) AS orderkey,
       o."totalprice" AS tp
FROM shop.tpch.orders o;

SELECT status FROM shop.tpch.orders;

SELECT c."Name", c.nation, c."name" FROM "shop"."tpch"."customer" c;

SELECT comment FROM shop.tpch.orders o JOIN shop.tpch.customer c ON o.custkey = c.custkey;
