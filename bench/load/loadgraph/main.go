// Command loadgraph writes (or deletes) the generated lineage graph the API load test runs
// against: base tables and layers of views whose columns derive from columns of the layer
// below, written through graph.Store like ingestion would. It also writes the id lists the
// wrk scripts draw requests from.
//
//	go run ./bench/load/loadgraph -db TLOAD_X -views 10000 -out /tmp/load
//	go run ./bench/load/loadgraph -db TLOAD_X -delete
package main

import (
	"bufio"
	"context"
	_ "embed"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/internal/graphtest"
)

var (
	//go:embed delete_columns.cypher
	deleteColumns string
	//go:embed delete_datasets.cypher
	deleteDatasets string
	//go:embed delete_schemas.cypher
	deleteSchemas string
)

type options struct {
	db                     string
	views, layers, columns int
	tables                 int
	seed                   uint64
	workers                int
	out                    string
	del                    bool
}

func main() {
	var o options
	flag.StringVar(&o.db, "db", "", "database name of the generated graph; must start with TLOAD_ (required)")
	flag.IntVar(&o.views, "views", 10000, "number of views")
	flag.IntVar(&o.layers, "layers", 12, "view layers above the base tables")
	flag.IntVar(&o.columns, "columns", 20, "columns per view and per table")
	flag.IntVar(&o.tables, "tables", 300, "base tables")
	flag.Uint64Var(&o.seed, "seed", 1, "random seed")
	flag.IntVar(&o.workers, "workers", 4, "concurrent writers")
	flag.StringVar(&o.out, "out", "", "folder for the id lists the wrk scripts read")
	flag.BoolVar(&o.del, "delete", false, "delete the database's graph instead of writing it")
	flag.Parse()
	logger := slog.New(slog.NewJSONHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o, logger); err != nil {
		fmt.Fprintln(os.Stderr, "loadgraph:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options, logger *slog.Logger) error {
	if !strings.HasPrefix(o.db, "TLOAD_") || strings.ContainsAny(o.db, ".\" ") {
		return errors.New("-db must be a bare name starting with TLOAD_ (keeps load data apart from everything else)")
	}
	driver, err := neo4j.NewDriverWithContext(graphtest.Env("TRIBUTARY_NEO4J_URI", "bolt://127.0.0.1:7687"),
		neo4j.BasicAuth(graphtest.Env("TRIBUTARY_NEO4J_USER", "neo4j"), graphtest.Env("TRIBUTARY_NEO4J_PASSWORD", "tributary-local"), ""))
	if err != nil {
		return err
	}
	defer driver.Close(context.WithoutCancel(ctx))
	database := graphtest.Neo4jDatabase()
	if o.del {
		return deleteGraph(ctx, driver, database, o.db, logger)
	}
	store := graph.NewStore(driver, database)
	if _, err := store.Migrate(ctx); err != nil {
		return err
	}
	w := generate(o)
	start := time.Now()
	if err := store.UpsertTables(ctx, w.tables); err != nil {
		return err
	}
	logger.Info("tables written", "tables", len(w.tables), "took", time.Since(start).String())
	var done, edges atomic.Int64
	for layer, views := range w.layers {
		lstart := time.Now()
		ch := make(chan graph.View)
		errc := make(chan error, o.workers)
		var wg sync.WaitGroup
		for range o.workers {
			wg.Go(func() {
				for v := range ch {
					if err := store.ReplaceViewLineage(ctx, v); err != nil {
						errc <- err
						return
					}
					done.Add(1)
					edges.Add(int64(len(v.Edges)))
				}
			})
		}
	feed:
		for _, v := range views {
			select {
			case ch <- v:
			case err := <-errc:
				close(ch)
				wg.Wait()
				return err
			case <-ctx.Done():
				break feed
			}
		}
		close(ch)
		wg.Wait()
		select {
		case err := <-errc:
			return err
		default:
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		logger.Info("layer written", "layer", layer+1, "views", len(views), "total", done.Load(), "took", time.Since(lstart).String())
	}
	logger.Info("graph written", "views", done.Load(), "edges", edges.Load(), "took", time.Since(start).String())
	if o.out != "" {
		return writeLists(o.out, w)
	}
	return nil
}

// warehouse is the generated graph.
type warehouse struct {
	tables []graph.Table
	layers [][]graph.View
	top    []graph.ColumnID // columns of the top layer (depth-10 upstream roots)
	views  []graph.ObjectID
	words  []string // name words for search
}

var nameWords = []string{"order", "customer", "revenue", "amount", "status", "region", "product", "price",
	"discount", "margin", "invoice", "payment", "account", "balance", "session", "event", "channel",
	"campaign", "shipment", "supplier", "inventory", "return", "refund", "tax", "currency"}

func generate(o options) warehouse {
	rng := rand.New(rand.NewPCG(o.seed, o.seed^0x9e3779b97f4a7c15))
	var w warehouse
	colName := func(i int) string {
		return strings.ToUpper(nameWords[i%len(nameWords)]) + fmt.Sprintf("_%d", i)
	}
	var below [][]graph.ColumnID // columns of each object of the layer below
	for t := range o.tables {
		id := graph.ObjectID{Database: o.db, Schema: "RAW", Name: fmt.Sprintf("%s_T%d", strings.ToUpper(nameWords[t%len(nameWords)]), t)}
		tbl := graph.Table{ID: id}
		var cols []graph.ColumnID
		for c := range o.columns {
			name := colName(c + t)
			tbl.Columns = append(tbl.Columns, graph.Column{Name: name, Ordinal: c + 1, DataType: "NUMBER"})
			cols = append(cols, id.Column(name))
		}
		w.tables = append(w.tables, tbl)
		below = append(below, cols)
	}
	perLayer := o.views / o.layers
	n := 0
	for layer := 1; layer <= o.layers; layer++ {
		count := perLayer
		if layer == o.layers {
			count = o.views - n
		}
		var views []graph.View
		var next [][]graph.ColumnID
		for range count {
			id := graph.ObjectID{Database: o.db, Schema: fmt.Sprintf("L%02d", layer),
				Name: fmt.Sprintf("%s_V%d", strings.ToUpper(nameWords[n%len(nameWords)]), n)}
			n++
			// Each view reads one to three objects of the layer below.
			srcs := make([][]graph.ColumnID, 1+rng.IntN(3))
			for i := range srcs {
				srcs[i] = below[rng.IntN(len(below))]
			}
			v := graph.View{ID: id, Status: graph.StatusOK, Definition: "-- generated view " + id.String()}
			var cols []graph.ColumnID
			for c := range o.columns {
				name := colName(c + n)
				col := id.Column(name)
				v.Columns = append(v.Columns, graph.Column{Name: name, Ordinal: c + 1, DataType: "NUMBER"})
				cols = append(cols, col)
				src := srcs[rng.IntN(len(srcs))]
				sub := []graph.Subtype{graph.SubtypeIdentity, graph.SubtypeIdentity, graph.SubtypeIdentity,
					graph.SubtypeTransformation, graph.SubtypeAggregation}[rng.IntN(5)]
				v.Edges = append(v.Edges, graph.Edge{From: col, To: src[rng.IntN(len(src))], Type: graph.EdgeDirect, Subtype: sub})
				if rng.IntN(5) == 0 { // one column in five combines two sources
					other := srcs[rng.IntN(len(srcs))]
					v.Edges = append(v.Edges, graph.Edge{From: col, To: other[rng.IntN(len(other))], Type: graph.EdgeDirect, Subtype: graph.SubtypeTransformation})
				}
			}
			if len(srcs) > 1 { // a join key, read by the first column
				v.Edges = append(v.Edges, graph.Edge{From: cols[0], To: srcs[1][0], Type: graph.EdgeIndirect, Subtype: graph.SubtypeJoin})
			}
			views = append(views, v)
			next = append(next, cols)
			w.views = append(w.views, id)
			if layer == o.layers {
				w.top = append(w.top, cols...)
			}
		}
		w.layers = append(w.layers, views)
		below = next
	}
	w.words = nameWords
	return w
}

// writeLists writes the request targets the wrk scripts read, one per line, URL-encoded.
func writeLists(dir string, w warehouse) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	lists := map[string][]string{}
	for _, c := range w.top {
		lists["columns.txt"] = append(lists["columns.txt"], c.String())
	}
	for _, v := range w.views {
		lists["views.txt"] = append(lists["views.txt"], v.String())
	}
	for _, word := range w.words {
		lists["words.txt"] = append(lists["words.txt"], word, word[:3], word+"_1")
	}
	for name, lines := range lists {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			return err
		}
		b := bufio.NewWriter(f)
		for _, l := range lines {
			fmt.Fprintln(b, l)
		}
		if err := errors.Join(b.Flush(), f.Close()); err != nil {
			return err
		}
	}
	return nil
}

func deleteGraph(ctx context.Context, driver neo4j.DriverWithContext, database, db string, logger *slog.Logger) error {
	session := driver.NewSession(ctx, neo4j.SessionConfig{DatabaseName: database})
	defer session.Close(ctx)
	start := time.Now()
	for _, q := range []string{deleteColumns, deleteDatasets, deleteSchemas} {
		res, err := session.Run(ctx, q, map[string]any{"prefix": db + ".", "db": db})
		if err != nil {
			return fmt.Errorf("delete %s: %w", db, err)
		}
		if _, err := res.Consume(ctx); err != nil {
			return fmt.Errorf("delete %s: %w", db, err)
		}
	}
	logger.Info("graph deleted", "db", db, "took", time.Since(start).String())
	return nil
}
