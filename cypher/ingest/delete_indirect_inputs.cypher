// Removes the statement-level input relationships of the views in $ids before they are rewritten.
UNWIND $ids AS id
MATCH (:View {id: id})-[r:INDIRECT_INPUT]->(:Column)
DELETE r
RETURN count(r) AS deleted
