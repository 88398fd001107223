package synth

import (
	"fmt"
	"strconv"
	"strings"
)

// kind is the generator's coarse type of a column; it decides which
// expressions make sense on it.
type kind int

const (
	kInt kind = iota
	kDec
	kStr
	kTS
	kDate
	kBool
	kVariant
	numKinds
)

var kindType = [numKinds]string{
	kInt:     "NUMBER(38,0)",
	kDec:     "NUMBER(18,2)",
	kStr:     "VARCHAR",
	kTS:      "TIMESTAMP_NTZ",
	kDate:    "DATE",
	kBool:    "BOOLEAN",
	kVariant: "VARIANT",
}

// Column name stems per kind; none is a Snowflake reserved word.
var stems = [numKinds][]string{
	kInt:     {"QUANTITY", "UNITS", "ITEM_COUNT", "VISITS", "CLICKS", "SEATS", "DAYS_OPEN", "ATTEMPTS", "SCORE", "LOGINS"},
	kDec:     {"AMOUNT", "PRICE", "DISCOUNT", "TAX", "REVENUE", "COST", "MARGIN", "BALANCE", "FEE", "WEIGHT_KG", "SHIPPING"},
	kStr:     {"STATUS", "CHANNEL", "REGION", "COUNTRY_CODE", "EMAIL", "PHONE", "CITY", "PLAN_NAME", "CURRENCY", "SOURCE_SYSTEM", "CATEGORY", "SEGMENT", "DEVICE_TYPE", "CARRIER", "FULL_NAME"},
	kTS:      {"CREATED_AT", "UPDATED_AT", "SHIPPED_AT", "PAID_AT", "CLOSED_AT", "LOADED_AT"},
	kDate:    {"ORDER_DATE", "START_DATE", "END_DATE", "DUE_DATE", "SIGNUP_DATE"},
	kBool:    {"IS_ACTIVE", "IS_DELETED", "IS_TEST", "HAS_COUPON", "IS_PAID"},
	kVariant: {"PAYLOAD", "ATTRIBUTES", "METADATA", "CONTEXT", "PROPERTIES"},
}

// Relative frequency of each kind among base table columns.
var kindWeights = [numKinds]int{kInt: 3, kDec: 4, kStr: 5, kTS: 2, kDate: 2, kBool: 1, kVariant: 1}

var entities = []string{"ORDERS", "CUSTOMERS", "PAYMENTS", "SHIPMENTS", "INVOICES", "PRODUCTS", "SESSIONS",
	"EVENTS", "SUBSCRIPTIONS", "REFUNDS", "ACCOUNTS", "CAMPAIGNS", "TICKETS", "CARTS", "REVIEWS", "COUPONS"}

type col struct {
	name string
	kind kind
}

// rel is the generator's model of a table, view, CTE or derived table.
type rel struct {
	name  string // qualified name (or local name for CTEs)
	layer int
	cols  []col
	has   map[string]bool
	kinds *[numKinds][]col // lazily built by byKind
}

func newRel(name string, layer int) *rel {
	return &rel{name: name, layer: layer, has: map[string]bool{}}
}

func (r *rel) add(c col) {
	r.kinds = nil
	r.cols = append(r.cols, c)
	r.has[c.name] = true
}

func (r *rel) columns() []Column {
	out := make([]Column, len(r.cols))
	for i, c := range r.cols {
		out[i] = Column{Name: c.name, Type: kindType[c.kind]}
	}
	return out
}

// byKind returns the columns of r of kind k, ID excluded. The index is
// built on first use; columns must not be added after that.
func (r *rel) byKind(k kind) []col {
	if r.kinds == nil {
		r.kinds = new([numKinds][]col)
		for _, c := range r.cols {
			if c.name != "ID" {
				r.kinds[c.kind] = append(r.kinds[c.kind], c)
			}
		}
	}
	return r.kinds[k]
}

type gen struct {
	opts   Options
	rng    *rng
	layers [][]*rel
	out    []View
	files  []File
}

func newGen(opts Options) *gen {
	return &gen{
		opts: opts,
		rng:  newRNG(opts.Seed),
	}
}

func (g *gen) intn(n int) int { return g.rng.IntN(n) }

func (g *gen) chance(pct int) bool { return g.rng.IntN(100) < pct }

// width picks a column count around the requested average (±50%).
func (g *gen) width() int {
	c := g.opts.Columns
	lo := max(3, c/2)
	hi := max(lo, c+c/2)
	// symmetric around c when c/2 >= 3
	return lo + g.intn(hi-lo+1)
}

func (g *gen) pickKind() kind {
	total := 0
	for _, w := range kindWeights {
		total += w
	}
	n := g.intn(total)
	for k, w := range kindWeights {
		if n < w {
			return kind(k)
		}
		n -= w
	}
	return kStr
}

// uniqueName returns stem, or stem_2, stem_3... whichever is not taken.
func uniqueName(stem string, taken map[string]bool) string {
	if !taken[stem] {
		return stem
	}
	for i := 2; ; i++ {
		n := stem + "_" + strconv.Itoa(i)
		if !taken[n] {
			return n
		}
	}
}

func (g *gen) tables() {
	var layer []*rel
	for i := range g.opts.Tables {
		ent := entities[i%len(entities)]
		name := fmt.Sprintf("%s.RAW.%s_%04d", g.opts.Database, ent, i+1)
		r := newRel(name, 0)
		r.add(col{"ID", kInt})
		n := g.width()
		for len(r.cols) < n {
			k := g.pickKind()
			s := stems[k][g.intn(len(stems[k]))]
			r.add(col{uniqueName(s, r.has), k})
		}
		layer = append(layer, r)
	}
	g.layers = append(g.layers, layer)
}

// schemaFor names the schema of a view layer.
func (g *gen) schemaFor(layer int) string {
	switch {
	case layer == 1:
		return "STAGING"
	case layer == g.opts.Depth:
		return "MARTS"
	default:
		return fmt.Sprintf("INTERMEDIATE_%02d", layer)
	}
}

var layerPrefix = map[string]string{"STAGING": "STG", "MARTS": "MART"}

func (g *gen) views() {
	d := g.opts.Depth
	per := g.opts.Views / d
	extra := g.opts.Views % d
	idx := 0
	for layer := 1; layer <= d; layer++ {
		n := per
		if layer <= extra {
			n++
		}
		schema := g.schemaFor(layer)
		prefix, ok := layerPrefix[schema]
		if !ok {
			prefix = "INT"
		}
		var rels []*rel
		for range n {
			idx++
			ent := entities[g.intn(len(entities))]
			name := fmt.Sprintf("%s.%s.%s_%s_%05d", g.opts.Database, schema, prefix, ent, idx)
			rels = append(rels, g.view(name, layer))
		}
		g.layers = append(g.layers, rels)
	}
}

// pickSources returns n distinct relations: the first from the layer just
// below, the others from any lower layer (biased toward recent ones).
func (g *gen) pickSources(layer, n int) []*rel {
	below := g.layers[layer-1]
	out := []*rel{below[g.intn(len(below))]}
	seen := map[string]bool{out[0].name: true}
	for tries := 0; len(out) < n && tries < 20; tries++ {
		l := layer - 1 - g.intn(min(layer, 3))
		cand := g.layers[l][g.intn(len(g.layers[l]))]
		if !seen[cand.name] {
			seen[cand.name] = true
			out = append(out, cand)
		}
	}
	return out
}

var shapeNames = []string{"select", "join", "aggregate", "window", "cte", "star", "union", "flatten"}
var shapeWeights = []int{18, 25, 15, 10, 15, 10, 7, 4}

func (g *gen) pickShape(layer int) string {
	if layer == 1 {
		// staging views clean one raw table each
		return []string{"select", "select", "star", "cte", "window", "flatten"}[g.intn(6)]
	}
	total := 0
	for _, w := range shapeWeights {
		total += w
	}
	n := g.intn(total)
	for i, w := range shapeWeights {
		if n < w {
			return shapeNames[i]
		}
		n -= w
	}
	return "select"
}

func (g *gen) view(name string, layer int) *rel {
	shape := g.pickShape(layer)
	vb := &viewBuilder{g: g, name: name, used: map[string]bool{}, lower: g.chance(10)}
	var body string
	switch shape {
	case "select":
		body = vb.selectShape(g.pickSources(layer, 1))
	case "join":
		body = vb.joinShape(g.pickSources(layer, 2+g.intn(2)))
	case "aggregate":
		body = vb.aggregateShape(g.pickSources(layer, 1+g.intn(2)))
	case "window":
		body = vb.windowShape(g.pickSources(layer, 1))
	case "cte":
		n := 1
		if layer > 1 {
			n += g.intn(2)
		}
		body = vb.cteShape(g.pickSources(layer, n))
	case "star":
		n := 1
		if layer > 1 && g.chance(40) {
			n = 2
		}
		body = vb.starShape(g.pickSources(layer, n))
	case "union":
		body = vb.unionShape(g.pickSources(layer, 2))
	case "flatten":
		srcs := g.pickSources(layer, 1)
		if len(srcs[0].byKind(kVariant)) == 0 {
			shape = "select"
			body = vb.selectShape(srcs)
		} else {
			body = vb.flattenShape(srcs)
		}
	}

	r := newRel(name, layer)
	for _, c := range vb.out {
		r.add(c)
	}
	parts := strings.Split(name, ".")
	path := strings.ToLower(parts[1]) + "/" + strings.ToLower(parts[2]) + ".sql"

	var sb strings.Builder
	fmt.Fprintf(&sb, "-- Generated by tributary synth (seed %d): layer %d, %s view reading %s.\n",
		g.opts.Seed, layer, shape, strings.Join(vb.sources, ", "))
	sb.WriteString("CREATE OR REPLACE ")
	if g.chance(3) {
		sb.WriteString("SECURE ")
	}
	sb.WriteString("VIEW ")
	sb.WriteString(vb.ident(name))
	if g.chance(5) {
		fmt.Fprintf(&sb, "\n  COMMENT = 'synthetic %s view, layer %d'", shape, layer)
	}
	sb.WriteString(" AS\n")
	sb.WriteString(body)
	sb.WriteString(";\n")

	g.out = append(g.out, View{
		Name: name, Layer: layer, Shape: shape, Path: path, Body: body,
		Columns: r.columns(), Sources: vb.sources, Refs: vb.refs, Locals: vb.locals,
	})
	g.files = append(g.files, File{Path: path, Content: []byte(sb.String())})
	return r
}
