// Writes a view's statement-level inputs (JOIN, FILTER, GROUP_BY, SORT): one relationship from the
// view to each input column per subtype, instead of one edge per output column.
UNWIND $inputs AS in
MATCH (v:View {id: in.view})
MATCH (c:Column {id: in.column})
MERGE (v)-[r:INDIRECT_INPUT {subtype: in.subtype}]->(c)
RETURN count(r) AS written
