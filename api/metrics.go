package api

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tributary-lineage/tributary/graph"
)

// Metrics holds the server's Prometheus metrics in an injected registry (never the global one).
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.HistogramVec
	queries  *prometheus.HistogramVec
}

// NewMetrics registers the HTTP and Neo4j metrics in reg.
func NewMetrics(reg *prometheus.Registry) *Metrics {
	m := &Metrics{
		reg: reg,
		requests: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tributary_http_request_duration_seconds",
			Help:    "HTTP request latency by method, route template and status code.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 25},
		}, []string{"method", "route", "status"}),
		queries: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "tributary_neo4j_query_duration_seconds",
			Help:    "Latency of graph reads and writes that reached Neo4j, by operation and outcome (ok, not_found, invalid, error).",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 25},
		}, []string{"op", "outcome"}),
	}
	reg.MustRegister(m.requests, m.queries)
	return m
}

// Registry returns the registry the metrics live in.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// CacheStatser is what the cache collector reads (*graph.Cache implements it).
type CacheStatser interface {
	Stats() graph.CacheStats
}

// RegisterCache exports a cache's hit, miss, error and shared counters.
func (m *Metrics) RegisterCache(c CacheStatser) {
	m.reg.MustRegister(&cacheCollector{src: c})
}

// JobCounter reports how many ingestion jobs are in each state (pending, active, ...).
type JobCounter interface {
	JobCounts(ctx context.Context) (map[string]int64, error)
}

// RegisterJobs exports job counts per state, read at each scrape.
func (m *Metrics) RegisterJobs(j JobCounter) {
	m.reg.MustRegister(&jobCollector{src: j})
}

var (
	cacheHitsDesc   = prometheus.NewDesc("tributary_cache_hits_total", "Graph reads answered from the Redis cache.", []string{"op"}, nil)
	cacheMissesDesc = prometheus.NewDesc("tributary_cache_misses_total", "Graph reads not in the cache, computed from Neo4j and stored.", []string{"op"}, nil)
	cacheErrorsDesc = prometheus.NewDesc("tributary_cache_errors_total", "Graph reads answered without the cache because Redis failed, and failed stores.", []string{"op"}, nil)
	cacheSharedDesc = prometheus.NewDesc("tributary_cache_shared_total", "Reads whose answer came from a computation shared with concurrent identical reads.", []string{"op"}, nil)
	jobsDesc        = prometheus.NewDesc("tributary_jobs", "Ingestion jobs by state.", []string{"state"}, nil)
	jobsUpDesc      = prometheus.NewDesc("tributary_jobs_scrape_ok", "1 when job counts could be read at this scrape.", nil, nil)
)

type cacheCollector struct{ src CacheStatser }

func (c *cacheCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- cacheHitsDesc
	ch <- cacheMissesDesc
	ch <- cacheErrorsDesc
	ch <- cacheSharedDesc
}

func (c *cacheCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.src.Stats()
	for desc, vals := range map[*prometheus.Desc]map[string]uint64{
		cacheHitsDesc: st.Hits, cacheMissesDesc: st.Misses, cacheErrorsDesc: st.Errors, cacheSharedDesc: st.Shared,
	} {
		for op, n := range vals {
			ch <- prometheus.MustNewConstMetric(desc, prometheus.CounterValue, float64(n), op)
		}
	}
}

type jobCollector struct{ src JobCounter }

func (j *jobCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- jobsDesc
	ch <- jobsUpDesc
}

func (j *jobCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	counts, err := j.src.JobCounts(ctx)
	if err != nil {
		ch <- prometheus.MustNewConstMetric(jobsUpDesc, prometheus.GaugeValue, 0)
		return
	}
	ch <- prometheus.MustNewConstMetric(jobsUpDesc, prometheus.GaugeValue, 1)
	for state, n := range counts {
		ch <- prometheus.MustNewConstMetric(jobsDesc, prometheus.GaugeValue, float64(n), state)
	}
}

// middleware records each request's latency under its route template (not the raw path, so
// ids do not explode the label space). It runs outside the access log, which has already
// turned errors into responses, so the status is final.
func (m *Metrics) middleware() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			start := time.Now()
			err := next(c)
			route := c.Path()
			if route == "" {
				route = "unmatched"
			}
			m.requests.WithLabelValues(c.Request().Method, route, strconv.Itoa(c.Response().Status)).
				Observe(time.Since(start).Seconds())
			return err
		}
	}
}

func (m *Metrics) handler() echo.HandlerFunc {
	// The server's gzip middleware compresses; promhttp must not compress a second time.
	h := promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg, DisableCompression: true})
	return echo.WrapHandler(h)
}

// observe records one graph operation that reached Neo4j.
func (m *Metrics) observe(op string, start time.Time, err error) {
	outcome := "ok"
	switch {
	case err == nil:
	case errors.Is(err, graph.ErrNotFound):
		outcome = "not_found"
	case errors.Is(err, graph.ErrInvalid):
		outcome = "invalid"
	default:
		outcome = "error"
	}
	m.queries.WithLabelValues(op, outcome).Observe(time.Since(start).Seconds())
}

// InstrumentGraph returns b with every call timed into tributary_neo4j_query_duration_seconds.
// The response cache sits above the handlers, so only reads that reach Neo4j are counted.
func (m *Metrics) InstrumentGraph(b graph.Backend) graph.Backend {
	return &timedBackend{b: b, m: m}
}

// InstrumentWriter returns w with every persisted analysis timed into
// tributary_neo4j_query_duration_seconds (op replace_views_lineage).
func (m *Metrics) InstrumentWriter(w ViewWriter) ViewWriter {
	return timedWriter{w: w, m: m}
}

type timedWriter struct {
	w ViewWriter
	m *Metrics
}

func (t timedWriter) ReplaceViewsLineage(ctx context.Context, views []graph.View, states []graph.ViewState) error {
	start := time.Now()
	err := t.w.ReplaceViewsLineage(ctx, views, states)
	t.m.observe("replace_views_lineage", start, err)
	return err
}

type timedBackend struct {
	b graph.Backend
	m *Metrics
}

func (t *timedBackend) Upstream(ctx context.Context, col graph.ColumnID, depth int) (graph.Subgraph, error) {
	start := time.Now()
	v, err := t.b.Upstream(ctx, col, depth)
	t.m.observe(graph.OpUpstream, start, err)
	return v, err
}

func (t *timedBackend) Downstream(ctx context.Context, col graph.ColumnID, depth int) (graph.Subgraph, error) {
	start := time.Now()
	v, err := t.b.Downstream(ctx, col, depth)
	t.m.observe(graph.OpDownstream, start, err)
	return v, err
}

func (t *timedBackend) Both(ctx context.Context, col graph.ColumnID, depth int) (up, down graph.Subgraph, err error) {
	start := time.Now()
	up, down, err = t.b.Both(ctx, col, depth)
	t.m.observe(graph.OpBoth, start, err)
	return up, down, err
}

func (t *timedBackend) ViewDetail(ctx context.Context, id graph.ObjectID) (graph.ViewDetail, error) {
	start := time.Now()
	v, err := t.b.ViewDetail(ctx, id)
	t.m.observe(graph.OpViewDetail, start, err)
	return v, err
}

func (t *timedBackend) DatasetDetail(ctx context.Context, id graph.ObjectID) (graph.ViewDetail, error) {
	start := time.Now()
	v, err := t.b.DatasetDetail(ctx, id)
	t.m.observe(graph.OpDatasetDetail, start, err)
	return v, err
}

func (t *timedBackend) FindDatasets(ctx context.Context, parts []string) ([]graph.ObjectRef, error) {
	start := time.Now()
	v, err := t.b.FindDatasets(ctx, parts)
	t.m.observe(graph.OpFindDatasets, start, err)
	return v, err
}

func (t *timedBackend) ListDatasets(ctx context.Context, f graph.DatasetFilter) ([]graph.DatasetSummary, error) {
	start := time.Now()
	v, err := t.b.ListDatasets(ctx, f)
	t.m.observe(graph.OpListDatasets, start, err)
	return v, err
}

func (t *timedBackend) Search(ctx context.Context, q graph.SearchQuery) (graph.SearchResult, error) {
	start := time.Now()
	v, err := t.b.Search(ctx, q)
	t.m.observe(graph.OpSearch, start, err)
	return v, err
}

func (t *timedBackend) Impact(ctx context.Context, roots []graph.ColumnID, depth int) (graph.Impact, error) {
	start := time.Now()
	v, err := t.b.Impact(ctx, roots, depth)
	t.m.observe(graph.OpImpact, start, err)
	return v, err
}

func (t *timedBackend) DiffViews(ctx context.Context, proposed []graph.View) ([]graph.ViewDiff, error) {
	start := time.Now()
	v, err := t.b.DiffViews(ctx, proposed)
	t.m.observe(graph.OpDiffViews, start, err)
	return v, err
}

func (t *timedBackend) Counts(ctx context.Context) (graph.Counts, error) {
	start := time.Now()
	v, err := t.b.Counts(ctx)
	t.m.observe(graph.OpCounts, start, err)
	return v, err
}

func (t *timedBackend) DatasetColumns(ctx context.Context, id graph.ObjectID) (string, []graph.ColumnID, error) {
	start := time.Now()
	kind, cols, err := t.b.DatasetColumns(ctx, id)
	t.m.observe(graph.OpDatasetColumns, start, err)
	return kind, cols, err
}
