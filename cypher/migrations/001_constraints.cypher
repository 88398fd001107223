// Uniqueness constraints on id for every label. Order matters for Neo4j Browser:
// Table and View tokens are created before Dataset so Browser styles a node by them.
CREATE CONSTRAINT migration_version_unique IF NOT EXISTS FOR (m:Migration) REQUIRE m.version IS UNIQUE;
CREATE CONSTRAINT database_id_unique IF NOT EXISTS FOR (n:Database) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT schema_id_unique IF NOT EXISTS FOR (n:Schema) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT table_id_unique IF NOT EXISTS FOR (n:Table) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT view_id_unique IF NOT EXISTS FOR (n:View) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT column_id_unique IF NOT EXISTS FOR (n:Column) REQUIRE n.id IS UNIQUE;
CREATE CONSTRAINT dataset_id_unique IF NOT EXISTS FOR (n:Dataset) REQUIRE n.id IS UNIQUE;
