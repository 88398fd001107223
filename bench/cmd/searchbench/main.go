// Command searchbench measures uncached search (graph.Store.Search, straight to Neo4j, no
// cache) on an ingested graph: it samples views of one database, builds queries people would
// type from their names (exact names, words, prefixes, dotted paths, typos, common column
// words), runs every query -rounds times one after another, and prints p50/p90/p99/max per
// query class and overall, with the hit counts.
//
//	tributary gen --views 10000 --columns 40 --depth 6 --seed 1 --database TBENCH /tmp/w10k
//	tributary ingest --source dir:/tmp/w10k --inline --wait
//	go run ./bench/cmd/searchbench -database TBENCH
package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/tributary-lineage/tributary/graph"
)

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "searchbench:", err)
		os.Exit(1)
	}
}

type query struct {
	class string
	q     graph.SearchQuery
}

func run() error {
	database := flag.String("database", "", "Snowflake database of the generated warehouse (required)")
	views := flag.Int("views", 100, "views sampled for the queries")
	rounds := flag.Int("rounds", 3, "times each query runs")
	seed := flag.Uint64("seed", 1, "sampling seed")
	flag.Parse()
	if *database == "" {
		return fmt.Errorf("-database is required")
	}
	ctx := context.Background()
	driver, err := neo4j.NewDriverWithContext(env("TRIBUTARY_NEO4J_URI", "bolt://127.0.0.1:7687"),
		neo4j.BasicAuth(env("TRIBUTARY_NEO4J_USER", "neo4j"), env("TRIBUTARY_NEO4J_PASSWORD", "tributary-local"), ""))
	if err != nil {
		return err
	}
	defer driver.Close(ctx)
	store := graph.NewStore(driver, env("TRIBUTARY_NEO4J_DATABASE", "neo4j"))

	var all []graph.DatasetSummary
	for off := 0; ; off += graph.MaxListLimit {
		page, err := store.ListDatasets(ctx, graph.DatasetFilter{Kind: graph.KindView, Database: *database,
			Offset: off, Limit: min(graph.MaxListLimit, graph.MaxListOffset-off)})
		if err != nil {
			return err
		}
		all = append(all, page...)
		if len(page) < graph.MaxListLimit || off+2*graph.MaxListLimit > graph.MaxListOffset {
			break
		}
	}
	if len(all) == 0 {
		return fmt.Errorf("no views in database %s", *database)
	}
	rng := rand.New(rand.NewPCG(*seed, 0))
	rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
	all = all[:min(*views, len(all))]

	dbs := []string{*database}
	q := func(class, text string) query {
		return query{class, graph.SearchQuery{Text: text, Databases: dbs, Limit: 20}}
	}
	var qs []query
	colWords := map[string]int{}
	for _, v := range all {
		name := v.ID.Name
		words := graph.IdentifierWords(name)
		qs = append(qs, q("exact name", name))
		qs = append(qs, q("words", strings.Join(words[1:len(words)-1], " ")))
		qs = append(qs, q("prefix", words[0]+"_"+words[1][:min(3, len(words[1]))]))
		qs = append(qs, q("dotted schema.view", v.ID.Schema+"."+name))
		if long := slices.IndexFunc(words, func(w string) bool { return len(w) >= 5 }); long >= 0 {
			w := words[long]
			typo := w[:2] + w[3:] // one letter dropped
			qs = append(qs, q("typo", strings.Join(append(slices.Clone(words[:long]), append([]string{typo}, words[long+1:]...)...), " ")))
		}
		d, err := store.DatasetDetail(ctx, v.ID)
		if err != nil {
			return err
		}
		if len(d.Columns) > 0 {
			c := d.Columns[rng.IntN(len(d.Columns))]
			qs = append(qs, q("dotted view.column", name+"."+c.Name))
			for _, cw := range graph.IdentifierWords(c.Name) {
				colWords[cw]++
			}
		}
	}
	// The most common column words: the broadest queries (thousands of hits).
	type wc struct {
		w string
		n int
	}
	var common []wc
	for w, n := range colWords {
		if len(w) >= 3 {
			common = append(common, wc{w, n})
		}
	}
	slices.SortFunc(common, func(a, b wc) int { return cmp.Or(b.n-a.n, strings.Compare(a.w, b.w)) })
	for _, c := range common[:min(20, len(common))] {
		qs = append(qs, q("common column word", c.w))
	}

	times := map[string][]time.Duration{}
	hits := map[string][]int64{}
	for r := 0; r < *rounds; r++ {
		for _, x := range qs {
			start := time.Now()
			res, err := store.Search(ctx, x.q)
			el := time.Since(start)
			if err != nil {
				return fmt.Errorf("search %q: %w", x.q.Text, err)
			}
			times[x.class] = append(times[x.class], el)
			times["all"] = append(times["all"], el)
			if r == 0 {
				n := res.Facets[graph.KindColumn] + res.Facets[graph.KindTable] + res.Facets[graph.KindView]
				hits[x.class] = append(hits[x.class], n)
				hits["all"] = append(hits["all"], n)
			}
		}
	}
	classes := []string{"exact name", "words", "prefix", "dotted schema.view", "dotted view.column", "typo", "common column word", "all"}
	fmt.Printf("| query class | queries | runs | p50 ms | p90 ms | p99 ms | max ms | hits (median / max) |\n")
	fmt.Printf("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, c := range classes {
		ts, hs := times[c], hits[c]
		if len(ts) == 0 {
			continue
		}
		slices.Sort(ts)
		slices.Sort(hs)
		ms := func(p float64) string {
			return fmt.Sprintf("%.1f", float64(ts[min(len(ts)-1, int(p*float64(len(ts))))].Microseconds())/1000)
		}
		fmt.Printf("| %s | %d | %d | %s | %s | %s | %s | %d / %d |\n", c, len(hs), len(ts), ms(0.5), ms(0.9), ms(0.99), ms(1), hs[len(hs)/2], hs[len(hs)-1])
	}
	return nil
}
