// Lookup indexes for the questions analysts and the API ask most.
CREATE INDEX view_status IF NOT EXISTS FOR (n:View) ON (n.status);
CREATE INDEX column_name IF NOT EXISTS FOR (n:Column) ON (n.name);
CREATE INDEX table_name IF NOT EXISTS FOR (n:Table) ON (n.name);
CREATE INDEX view_name IF NOT EXISTS FOR (n:View) ON (n.name);
CREATE INDEX derives_from_view IF NOT EXISTS FOR ()-[r:DERIVES_FROM]-() ON (r.view);
