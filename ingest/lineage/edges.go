package lineage

import (
	"cmp"
	"slices"
)

// edge is one typed edge to a physical column (canonical name).
type edge struct {
	col  string
	k    kind
	mask bool
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
}

// lref uses the lineage n through kind k (masked when mask).
type lref struct {
	n    *lnode
	k    kind
	mask bool
}

func leaf(col string, k kind) lin { return &lnode{leaves: []edge{{col: col, k: k}}} }

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
		b.leaves = append(b.leaves, edge{col: e.col, k: compose(k, e.k), mask: e.mask || mask})
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
// value otherwise).
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
// merged. Each (node, kind, mask) is visited once.
func flatten(l lin) []edge {
	if l == nil {
		return nil
	}
	if len(l.refs) == 0 {
		return slices.Clone(l.leaves)
	}
	var out []edge
	seen := make(map[visitKey]bool)
	var visit func(n *lnode, k kind, mask bool)
	visit = func(n *lnode, k kind, mask bool) {
		key := visitKey{n, k, mask}
		if seen[key] {
			return
		}
		seen[key] = true
		for _, e := range n.leaves {
			out = append(out, edge{col: e.col, k: compose(k, e.k), mask: e.mask || mask})
		}
		for _, r := range n.refs {
			visit(r.n, compose(k, r.k), mask || r.mask)
		}
	}
	visit(l, kIdentity, false)
	return normalize(out)
}

func sources(es []edge) []Source {
	out := make([]Source, len(es))
	for i, e := range es {
		out[i] = Source{Column: e.col, Type: e.k.typeName(), Subtype: e.k.subtype(), Masking: e.mask}
	}
	return out
}
