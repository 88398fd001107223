// Full-text index over column, table and view names, used by Store.Search.
CREATE FULLTEXT INDEX tributary_names IF NOT EXISTS FOR (n:Column|Table|View) ON EACH [n.name];
