// Package browser holds what analysts load into Neo4j Browser: the GraSS style sheet for the
// lineage graph, a :play-able guide of the queries analysts need, and the same queries as a
// Cypher file for Browser's favorites. See docs/browser.md for how each is loaded.
package browser

import _ "embed" // go:embed of the files below

// Style is the Graph Style Sheet (GraSS): a colour and size per node label, captions showing
// names, and DERIVES_FROM arrows captioned with their subtype. Apply it with `:style` followed
// by the text, or `:style http://localhost:PORT/tributary.grass` when served.
//
//go:embed tributary.grass
var Style string

// Guide is a Browser guide (HTML <slide>s with runnable queries) for `:play URL`.
//
//go:embed guide.html
var Guide string

// Queries are the guide's queries as one Cypher file; dropping it on Browser's Favorites
// drawer imports each statement as a saved query.
//
//go:embed queries.cypher
var Queries string

// UpstreamWithOwners draws the upstream of column $id to depth 5 with the table or view that
// owns each column: the query of the guide's first slide and of the browser test.
//
//go:embed upstream_with_owners.cypher
var UpstreamWithOwners string
