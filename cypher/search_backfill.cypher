// Sets the derived search properties of the columns ($columns) and tables or views ($datasets)
// listed, each row {id, search} with search from graph.searchProps.
CALL {
  UNWIND $columns AS r
  MATCH (n:Column {id: r.id})
  SET n += r.search
  RETURN count(n) AS columns
}
CALL {
  UNWIND $datasets AS r
  MATCH (n:Dataset {id: r.id})
  SET n += r.search
  RETURN count(n) AS datasets
}
RETURN columns + datasets AS written
