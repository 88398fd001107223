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

// lin is the lineage of one column: edges sorted by (col, k), one per pair.
// A lin is never modified after it is normalised; it may be shared.
type lin []edge

// normalize sorts e and merges duplicates of the same (column, kind): the
// merged edge is masked only when every copy is (some path exposes the
// value otherwise).
func normalize(e []edge) lin {
	if len(e) < 2 {
		return lin(e)
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
	return lin(out)
}

// appendThrough appends l's edges to dst as used by an expression of kind k
// (masked when mask).
func appendThrough(dst []edge, l lin, k kind, mask bool) []edge {
	for _, e := range l {
		dst = append(dst, edge{col: e.col, k: compose(k, e.k), mask: e.mask || mask})
	}
	return dst
}

// union merges several lineages.
func union(ls ...lin) lin {
	var n int
	for _, l := range ls {
		n += len(l)
	}
	out := make([]edge, 0, n)
	for _, l := range ls {
		out = append(out, l...)
	}
	return normalize(out)
}

func (l lin) sources() []Source {
	out := make([]Source, len(l))
	for i, e := range l {
		out[i] = Source{Column: e.col, Type: e.k.typeName(), Subtype: e.k.subtype(), Masking: e.mask}
	}
	return out
}
