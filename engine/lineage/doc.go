// Package lineage computes column-level lineage for parsed Snowflake
// statements (package engine/sql): for every output column of a CREATE VIEW,
// CREATE TABLE ... AS SELECT, INSERT ... SELECT, MERGE or bare query, the
// physical upstream columns it is computed from, each edge typed with
// OpenLineage's column-lineage vocabulary.
//
// The engine follows the classic design: qualify (normalise identifiers,
// apply the default database and schema, bind every column reference to one
// source, expand stars from a Catalog), build scopes (root, CTE, derived
// table, subquery, set-operation branch, VALUES, table functions, PIVOT,
// UNPIVOT, MATCH_RECOGNIZE), then walk each output column down the scopes to
// physical columns. Every relation (a CTE, a derived table, ...) computes the
// lineage of its columns once, so a CTE read many times is walked once and
// self-joined CTE chains stay linear. A column's lineage refers to the
// lineage of the columns it reads instead of copying it (a DAG flattened
// only for the output), so memory stays linear in the input even when every
// level of a CTE chain adds sources.
//
// # SELECT * over USING and NATURAL joins
//
// An unqualified * over a USING/NATURAL join lists the join columns first,
// once, then the remaining columns of the left side, then those of the right
// side, as the SQL standard's <joined table> defines it (Snowflake documents
// that the join columns appear once; it does not spell out the order). The
// USING columns come in the order listed, NATURAL's common columns in the
// left side's order; nested joins apply the rule to their own output. The
// join column's lineage is the left side's (INNER/LEFT), the right side's
// (RIGHT) or both (FULL). A qualified t.* lists t's own columns in order.
//
// # Edge types
//
// A source edge is DIRECT (IDENTITY: the value is copied; TRANSFORMATION: it
// goes through an expression, a function or a cast; AGGREGATION: it goes
// through an aggregate function) or INDIRECT (CONDITIONAL: it appears in a
// condition of CASE/IFF/COALESCE/NVL/NVL2/NULLIF/DECODE/ZEROIFNULL...;
// WINDOW: it appears in the PARTITION BY/ORDER BY of a window over the
// column; SORT: the ORDER BY of WITHIN GROUP). Columns that affect the whole
// statement (JOIN conditions, WHERE/HAVING/QUALIFY as FILTER, GROUP BY and
// DISTINCT as GROUP_BY, ORDER BY as SORT) are reported once per statement as
// Indirect inputs.
//
// Along a multi-hop path (a CTE column used by the outer query) the types
// compose as OpenLineage's Spark integration merges them: an INDIRECT step
// wins (the outer one first), otherwise the stronger DIRECT subtype wins,
// AGGREGATION > TRANSFORMATION > IDENTITY. So a TRANSFORMATION of an
// AGGREGATION is an AGGREGATION and a CASE condition over an aggregated
// column is CONDITIONAL. A bare column reference is IDENTITY; a cast, a path
// into a VARIANT or any function is TRANSFORMATION.
//
// The masking flag is true when a masking function (SHA1/SHA2/MD5/HASH and
// their variants, ENCRYPT, and COUNT-like aggregates, which expose no value,
// as OpenLineage flags them) or a column masking policy lies on the path;
// when the same column reaches an output both masked and unmasked with the
// same type, the edge is reported unmasked (some path exposes the value).
//
// # Warnings instead of guesses
//
// Without a catalog, an unqualified column over several tables whose
// columns are unknown is attributed to every candidate with a warning; a
// column over one such table binds to it (a fact). A star over a table with
// no catalog entry cannot be expanded (warning); references through it still
// reach the table. Stages and unknown table functions have no lineage
// (warning).
//
// With a catalog, names are matched exactly first (unquoted upper-cased,
// quoted exact); when nothing matches, the one catalog table or column equal
// ignoring case is taken with a warning. A column the catalog does not list,
// on a table the reference names unambiguously (qualified, or the only
// relation in scope), keeps its edge marked unverified (Source.Verified is
// false) with a warning: catalogs drift. An unqualified column no source
// lists, with several candidates, gets a warning and no edge.
//
// # Chains of expressions
//
// Each Source carries the chain of select item expressions its value goes
// through, source first, each with the CTE or derived table it is in
// (Source.Expressions): COALESCE in a CTE, SUM in a derived table, ROUND in
// the outer select. Plain column references and stars add no step; each
// branch of a set operation has its own chain.
//
// Version is the engine's lineage version: bump it with any change to what
// the engine outputs, so stored analyses are redone.
//
// The package is pure: it reads no files and does no I/O. A Catalog built
// from JSON is constructed from bytes by ParseCatalogJSON.
package lineage
