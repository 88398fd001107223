package lineage

import (
	"cmp"
	"fmt"
	"slices"
	"unicode/utf8"

	"github.com/tributary-lineage/tributary/engine/sql"
)

// edge is one typed edge to a physical column (canonical name).
type edge struct {
	col  string
	k    kind
	mask bool
	// unverified: the column is not in the catalog's list for its table
	// (the reference names the table unambiguously; the edge is kept).
	unverified bool
	// chain are the select item expressions the value goes through on its
	// way from col to the column that holds the edge, outermost first.
	chain *chain
}

// step is one select item expression a value goes through: where it is (rel:
// "CTE X", "derived table T", "" for the statement's own select list) and
// the expression.
type step struct {
	rel  string
	view string // the statement's target ("" for a bare query): a view expanded later names it
	expr sql.Expr
}

// chain is an immutable list of steps, shared between the edges that extend it.
type chain struct {
	s    *step
	next *chain
}

// push returns c with s in front (c itself when s is nil).
func (c *chain) push(s *step) *chain {
	if s == nil {
		return c
	}
	return &chain{s: s, next: c}
}

// lin is the lineage of one column: a node of a DAG whose leaves are edges
// to physical columns and whose references reuse other columns' lineage
// through a kind. A column that reads a CTE column refers to that column's
// node instead of copying its edges, so a chain of CTEs that each add a
// source holds one reference per level, not a growing copy per level
// (memory linear in the input). nil is the empty lineage. Nodes are never
// modified once built; flatten turns one into sorted edges for output.
type lin = *lnode

type lnode struct {
	leaves []edge
	refs   []lref
	// step is the select item expression that built this node (nil for a
	// plain reference, a union, a mask): every edge under it goes through it.
	step *step
}

// lref uses the lineage n through kind k (masked when mask).
type lref struct {
	n    *lnode
	k    kind
	mask bool
}

func leaf(col string, k kind) lin { return &lnode{leaves: []edge{{col: col, k: k}}} }

// unverifiedLeaf is a column the catalog does not list on a table the
// reference names unambiguously.
func unverifiedLeaf(col string) lin {
	return &lnode{leaves: []edge{{col: col, k: kIdentity, unverified: true}}}
}

// lbuf collects the lineage of an expression while it is walked.
type lbuf struct {
	leaves []edge
	refs   []lref
}

// add uses l through kind k (masked when mask).
func (b *lbuf) add(l lin, k kind, mask bool) {
	if l == nil {
		return
	}
	if len(l.refs) == 0 && len(l.leaves) == 1 {
		// A single physical column (the common case): compose directly.
		e := l.leaves[0]
		b.leaves = append(b.leaves, edge{col: e.col, k: compose(k, e.k), mask: e.mask || mask,
			unverified: e.unverified, chain: e.chain.push(l.step)})
		return
	}
	b.refs = append(b.refs, lref{n: l, k: k, mask: mask})
}

// node returns the collected lineage (nil when empty), without duplicates.
func (b *lbuf) node() lin {
	if len(b.leaves) == 0 && len(b.refs) == 0 {
		return nil
	}
	if len(b.leaves) == 0 && len(b.refs) == 1 && b.refs[0].k == kIdentity && !b.refs[0].mask {
		return b.refs[0].n
	}
	n := &lnode{leaves: normalize(b.leaves), refs: dedupRefs(b.refs)}
	return n
}

// nodeWith returns the collected lineage as a node built by the select item
// expression s: always a node of its own, so the step is not put on a node
// another column shares.
func (b *lbuf) nodeWith(s *step) lin {
	if len(b.leaves) == 0 && len(b.refs) == 0 {
		return nil
	}
	return &lnode{leaves: normalize(b.leaves), refs: dedupRefs(b.refs), step: s}
}

// dedupRefs drops repeated references, keeping the first of each.
func dedupRefs(refs []lref) []lref {
	if len(refs) < 2 {
		return refs
	}
	out := refs[:0]
	if len(refs) <= 16 {
		for _, r := range refs {
			if !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
		return out
	}
	seen := make(map[lref]bool, len(refs))
	for _, r := range refs {
		if !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	return out
}

// normalize sorts e and merges duplicates of the same (column, kind): the
// merged edge is masked only when every copy is (some path exposes the
// value otherwise), unverified only when every copy is, and keeps the first
// copy's chain.
func normalize(e []edge) []edge {
	if len(e) < 2 {
		return e
	}
	slices.SortFunc(e, func(a, b edge) int {
		if c := cmp.Compare(a.col, b.col); c != 0 {
			return c
		}
		return cmp.Compare(a.k, b.k)
	})
	out := e[:1]
	for _, x := range e[1:] {
		last := &out[len(out)-1]
		if x.col == last.col && x.k == last.k {
			last.mask = last.mask && x.mask
			last.unverified = last.unverified && x.unverified
			continue
		}
		out = append(out, x)
	}
	return out
}

// union merges several lineages.
func union(ls ...lin) lin {
	var b lbuf
	for _, l := range ls {
		b.add(l, kIdentity, false)
	}
	return b.node()
}

// maskAll is l with every edge masked.
func maskAll(l lin) lin {
	if l == nil {
		return nil
	}
	return &lnode{refs: []lref{{n: l, k: kIdentity, mask: true}}}
}

type visitKey struct {
	n    *lnode
	k    kind
	mask bool
}

// flatten returns the edges l reaches, composed along the way, sorted and
// merged, each with its whole chain of steps (outermost first). Each (node,
// kind, mask) is visited once: an edge reached along several paths keeps the
// chain of the first.
func flatten(l lin) []edge {
	if l == nil {
		return nil
	}
	if len(l.refs) == 0 && l.step == nil {
		return slices.Clone(l.leaves)
	}
	var out []edge
	seen := make(map[visitKey]bool)
	// above holds the steps of the nodes on the path from l, deepest first.
	var visit func(n *lnode, k kind, mask bool, above *chain)
	visit = func(n *lnode, k kind, mask bool, above *chain) {
		key := visitKey{n, k, mask}
		if seen[key] {
			return
		}
		seen[key] = true
		above = above.push(n.step)
		for _, e := range n.leaves {
			c := e.chain
			for s := above; s != nil; s = s.next {
				c = c.push(s.s)
			}
			out = append(out, edge{col: e.col, k: compose(k, e.k), mask: e.mask || mask, unverified: e.unverified, chain: c})
		}
		for _, r := range n.refs {
			visit(r.n, compose(k, r.k), mask || r.mask, above)
		}
	}
	visit(l, kIdentity, false, nil)
	return normalize(out)
}

// sameEdges reports whether x and y are the same edges, chains aside.
func sameEdges(x, y []edge) bool {
	return slices.EqualFunc(x, y, func(a, b edge) bool {
		return a.col == b.col && a.k == b.k && a.mask == b.mask && a.unverified == b.unverified
	})
}

// maxStepText bounds the text of one step of a chain; maxSteps the steps
// of one chain (a longer one keeps the steps nearest each end and says how
// many it left out between them).
const (
	maxStepText = 500
	maxSteps    = 32
)

// sources turns flattened edges into output Sources, their chains source
// first, each expression printed once per statement.
func (a *analyzer) sources(es []edge) []Source {
	out := make([]Source, len(es))
	for i, e := range es {
		s := Source{Column: e.col, Type: e.k.typeName(), Subtype: e.k.subtype(), Masking: e.mask}
		if e.unverified {
			s.Verified = new(bool)
		}
		n := 0
		for c := e.chain; c != nil; c = c.next {
			n++
		}
		if n > 0 {
			s.Expressions = make([]Step, n)
		}
		for c := e.chain; c != nil; c = c.next {
			n--
			rel := c.s.rel
			if c.s.view != a.target { // a step inside an expanded view
				if rel == "" {
					rel = "view " + c.s.view
				} else {
					rel += " in view " + c.s.view
				}
			}
			s.Expressions[n] = Step{Relation: rel, Expression: a.stepText(c.s.expr)} // source first
		}
		if n := len(s.Expressions); n > maxSteps {
			h := maxSteps / 2
			gap := Step{Expression: fmt.Sprintf("... %d more steps", n-2*h)}
			s.Expressions = slices.Concat(s.Expressions[:h], []Step{gap}, s.Expressions[n-h:])
		}
		out[i] = s
	}
	return out
}

// stepText prints a step's expression (memoised: many edges share a step).
func (a *analyzer) stepText(e sql.Expr) string {
	if t, ok := a.texts[e]; ok {
		return t
	}
	t := sql.Format(e)
	if len(t) > maxStepText {
		t = truncateUTF8(t, maxStepText) + "..."
	}
	if a.texts == nil {
		a.texts = make(map[sql.Expr]string)
	}
	a.texts[e] = t
	return t
}

// truncateUTF8 cuts s to at most n bytes without splitting a character.
func truncateUTF8(s string, n int) string {
	for n > 0 && n < len(s) && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
