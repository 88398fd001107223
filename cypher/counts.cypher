// Sizes of the graph, answered from the count store.
RETURN
  COUNT { (:Database) } AS databases,
  COUNT { (:Schema) } AS schemas,
  COUNT { (:Table) } AS tables,
  COUNT { (:View) } AS views,
  COUNT { (:Column) } AS columns,
  COUNT { ()-[:DERIVES_FROM]->() } AS edges
