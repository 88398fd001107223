// Command openlineage is the throughput benchmark of POST /api/v1/lineage: it sends COMPLETE
// run events, each with a column-lineage facet of -columns columns (and schema facets), to a
// running `tributary serve` from -conns concurrent connections, and prints events per second,
// latency percentiles and, with -pids, the CPU the listed processes (the server, Neo4j) spent
// per event.
//
//	go run ./bench/openlineage -url http://127.0.0.1:18091 -key trb_... -db TLOAD_OL -events 10000 -conns 8 -pids "$(pgrep -f 'tributary serve') $NEO4J_PID"
//	go run ./bench/openlineage -db TLOAD_OL -delete   # removes what a run wrote
//
// Each event is a new run of one of -jobs jobs (namespace "olload-<db>"), so most events
// replace a job's earlier edges into its output, as a scheduler's daily runs do; the outputs
// and inputs are tables of database -db, which must start with TLOAD_.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/internal/graphtest"
)

type options struct {
	url, key, db, pids  string
	events, conns, jobs int
	columns, inputs     int
	del                 bool
}

func main() {
	var o options
	flag.StringVar(&o.url, "url", "http://127.0.0.1:8080", "base URL of the server")
	flag.StringVar(&o.key, "key", os.Getenv("TRIBUTARY_API_KEY"), "API key with the editor role (sent as Authorization: Bearer); empty for a server with auth off")
	flag.StringVar(&o.db, "db", "", "Snowflake database the events' datasets are in; must start with TLOAD_ (required)")
	flag.IntVar(&o.events, "events", 5000, "events to send")
	flag.IntVar(&o.conns, "conns", 8, "concurrent connections")
	flag.IntVar(&o.jobs, "jobs", 500, "distinct jobs (each with its own output table)")
	flag.IntVar(&o.columns, "columns", 10, "columns of each output's column-lineage facet")
	flag.IntVar(&o.inputs, "inputs", 50, "distinct input tables")
	flag.StringVar(&o.pids, "pids", "", "space-separated pids whose CPU time is measured (server, Neo4j)")
	flag.BoolVar(&o.del, "delete", false, "delete what earlier runs for -db wrote instead of sending")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "openlineage bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	if !strings.HasPrefix(o.db, "TLOAD_") || strings.ContainsAny(o.db, ".\" ") {
		return errors.New("-db must be a bare name starting with TLOAD_ (keeps load data apart from everything else)")
	}
	namespace := "olload-" + o.db
	if o.del {
		return deleteAll(ctx, o.db, namespace)
	}
	bodies := make([][]byte, o.events)
	start := time.Now().UTC().Add(-time.Duration(o.events) * time.Millisecond)
	for i := range bodies {
		b, err := json.Marshal(event(o, namespace, i, start.Add(time.Duration(i)*time.Millisecond)))
		if err != nil {
			return err
		}
		bodies[i] = b
	}
	fmt.Printf("%d events of %d columns, %.0f bytes each on average, %d connections, %d jobs\n",
		o.events, o.columns, avgLen(bodies), o.conns, o.jobs)

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: o.conns}, Timeout: 60 * time.Second}
	var next atomic.Int64
	lat := make([]time.Duration, o.events)
	status := make([]int, o.events)
	cpu0, err := cpuTicks(o.pids)
	if err != nil {
		return err
	}
	t0 := time.Now()
	var wg sync.WaitGroup
	for range o.conns {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= o.events || ctx.Err() != nil {
					return
				}
				s := time.Now()
				status[i] = post(ctx, client, o, bodies[i])
				lat[i] = time.Since(s)
			}
		})
	}
	wg.Wait()
	wall := time.Since(t0)
	cpu1, err := cpuTicks(o.pids)
	if err != nil {
		return err
	}
	codes := map[int]int{}
	for _, c := range status {
		codes[c]++
	}
	slices.Sort(lat)
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	fmt.Printf("statuses: %v\n", codes)
	fmt.Printf("wall %.2fs: %.0f events/s; latency p50 %v p95 %v p99 %v max %v\n", wall.Seconds(),
		float64(o.events)/wall.Seconds(), pct(0.50).Round(time.Microsecond), pct(0.95).Round(time.Microsecond),
		pct(0.99).Round(time.Microsecond), lat[len(lat)-1].Round(time.Microsecond))
	if o.pids != "" {
		ms := float64(cpu1-cpu0) * 1000 / float64(clkTck) / float64(o.events)
		fmt.Printf("cpu of pids %q: %.2f ms per event (2 cores / that = %.0f events/s)\n", o.pids, ms, 2000/ms)
	}
	if codes[http.StatusCreated] != o.events {
		return fmt.Errorf("%d of %d events not answered 201", o.events-codes[http.StatusCreated], o.events)
	}
	return nil
}

func avgLen(bs [][]byte) float64 {
	n := 0
	for _, b := range bs {
		n += len(b)
	}
	return float64(n) / float64(len(bs))
}

func post(ctx context.Context, c *http.Client, o options, body []byte) int {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.url+"/api/v1/lineage", bytes.NewReader(body))
	if err != nil {
		return -1
	}
	req.Header.Set("Content-Type", "application/json")
	if o.key != "" {
		req.Header.Set("Authorization", "Bearer "+o.key)
	}
	resp, err := c.Do(req)
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, resp.Body)
	return resp.StatusCode
}

const (
	producer  = "https://github.com/tributary-lineage/tributary/bench/openlineage"
	sfNS      = "snowflake://acme-load"
	clURL     = "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json"
	schemaURL = "https://openlineage.io/spec/facets/1-2-0/SchemaDatasetFacet.json"
)

type m = map[string]any

// event i: a COMPLETE run of job i%jobs writing MART.OUT_<job> from RAW.SRC_<i%inputs>.
func event(o options, namespace string, i int, at time.Time) m {
	job := i % o.jobs
	in := fmt.Sprintf("%s.RAW.SRC_%d", o.db, i%o.inputs)
	out := fmt.Sprintf("%s.MART.OUT_%d", o.db, job)
	var inFields, outFields []any
	fields := m{}
	for c := range o.columns {
		col := "C" + strconv.Itoa(c)
		inFields = append(inFields, m{"name": col, "type": "NUMBER"})
		outFields = append(outFields, m{"name": col, "type": "NUMBER"})
		sub := "IDENTITY"
		if c%2 == 1 {
			sub = "TRANSFORMATION"
		}
		fields[col] = m{"inputFields": []any{m{"namespace": sfNS, "name": in, "field": col,
			"transformations": []any{m{"type": "DIRECT", "subtype": sub, "description": "", "masking": false}}}}}
	}
	return m{
		"eventType": "COMPLETE", "eventTime": at.Format(time.RFC3339Nano), "producer": producer,
		"schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
		"run":       m{"runId": uuid.Must(uuid.NewV7()).String()},
		"job":       m{"namespace": namespace, "name": "job_" + strconv.Itoa(job)},
		"inputs": []any{m{"namespace": sfNS, "name": in, "facets": m{
			"schema": m{"_producer": producer, "_schemaURL": schemaURL, "fields": inFields}}}},
		"outputs": []any{m{"namespace": sfNS, "name": out, "facets": m{
			"schema": m{"_producer": producer, "_schemaURL": schemaURL, "fields": outFields},
			"columnLineage": m{"_producer": producer, "_schemaURL": clURL, "fields": fields,
				"dataset": []any{m{"namespace": sfNS, "name": in, "field": "C0",
					"transformations": []any{m{"type": "INDIRECT", "subtype": "FILTER"}}}}}}}},
	}
}

// clkTck is the kernel's clock ticks per second (USER_HZ; 100 on Linux).
const clkTck = 100

func cpuTicks(pids string) (int64, error) {
	var total int64
	for _, p := range strings.Fields(pids) {
		b, err := os.ReadFile("/proc/" + p + "/stat")
		if err != nil {
			return 0, fmt.Errorf("cpu of pid %s: %w", p, err)
		}
		// Fields after the command (in parentheses, which may hold spaces): utime is the 14th
		// field of the line, stime the 15th.
		rest := string(b[bytes.LastIndexByte(b, ')')+2:])
		f := strings.Fields(rest)
		u, _ := strconv.ParseInt(f[11], 10, 64)
		s, _ := strconv.ParseInt(f[12], 10, 64)
		total += u + s
	}
	return total, nil
}

func deleteAll(ctx context.Context, db, namespace string) error {
	driver, err := neo4j.NewDriverWithContext(graphtest.Env("TRIBUTARY_NEO4J_URI", "bolt://127.0.0.1:7687"),
		neo4j.BasicAuth(graphtest.Env("TRIBUTARY_NEO4J_USER", "neo4j"), graphtest.Env("TRIBUTARY_NEO4J_PASSWORD", "tributary-local"), ""))
	if err != nil {
		return err
	}
	defer driver.Close(context.WithoutCancel(ctx))
	store := graph.NewStore(driver, graphtest.Neo4jDatabase())
	jobs, err := store.DeleteJobs(ctx, namespace)
	if err != nil {
		return err
	}
	nodes, err := store.DeleteDatabases(ctx, []string{db})
	if err != nil {
		return err
	}
	fmt.Printf("deleted %d jobs and %d nodes of %s\n", jobs, nodes, db)
	return nil
}
