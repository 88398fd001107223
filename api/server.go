// Package api is Tributary's HTTP server: echo routes, middleware, one
// problem+json error handler, and health endpoints. It holds no Cypher and
// no parsing; dependencies come in through small interfaces.
package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/labstack/echo/v4"
)

// BuildInfo identifies the running binary; it appears in /health/detailed.
type BuildInfo struct {
	Version   string `json:"version"`
	Commit    string `json:"commit,omitempty"`
	BuildTime string `json:"build_time,omitempty"`
	Modified  bool   `json:"modified,omitempty"`
	GoVersion string `json:"go_version"`
}

// Config holds the server's settings. Zero durations and limits take the
// defaults below.
type Config struct {
	Addr              string
	ReadTimeout       time.Duration // whole request, body included
	ReadHeaderTimeout time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	RequestTimeout    time.Duration // deadline of each handler's context
	HealthTimeout     time.Duration // per dependency check
	BodyLimit         int64         // bytes
	MaxDepth          int           // largest lineage traversal depth a request may ask for
	// AnalyzeMaxAnswer is the largest analyze answer in bytes; a larger analysis is refused
	// with 413 and nothing is written.
	AnalyzeMaxAnswer int64
	// ExpensiveConcurrency is how many analyze, export and import requests run at once;
	// further ones are answered 503 with Retry-After.
	ExpensiveConcurrency int
	Build                BuildInfo
	// TrustedProxies are the networks of the proxies in front (a load balancer's subnet). A
	// request from one of them is attributed to the address it names in X-Forwarded-For (the
	// nearest untrusted hop), so per-IP rate limits and access logs see the client. Empty: the
	// peer address, whatever the headers say.
	TrustedProxies []netip.Prefix
}

// Defaults used for zero Config fields.
const (
	DefaultReadTimeout       = 15 * time.Second
	DefaultReadHeaderTimeout = 5 * time.Second
	DefaultWriteTimeout      = 30 * time.Second
	DefaultIdleTimeout       = 60 * time.Second
	DefaultRequestTimeout    = 25 * time.Second
	DefaultHealthTimeout     = 2 * time.Second
	DefaultBodyLimit         = 4 << 20
	DefaultMaxDepth          = 20
	DefaultAnalyzeMaxAnswer  = 16 << 20
	// DefaultExpensiveConcurrency is two per core of the 2-core machines the service is
	// sized for (docs/scaling.md).
	DefaultExpensiveConcurrency = 4
)

func (c Config) withDefaults() Config {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.ReadTimeout, DefaultReadTimeout)
	def(&c.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	def(&c.WriteTimeout, DefaultWriteTimeout)
	def(&c.IdleTimeout, DefaultIdleTimeout)
	def(&c.RequestTimeout, DefaultRequestTimeout)
	def(&c.HealthTimeout, DefaultHealthTimeout)
	if c.BodyLimit <= 0 {
		c.BodyLimit = DefaultBodyLimit
	}
	if c.MaxDepth <= 0 {
		c.MaxDepth = DefaultMaxDepth
	}
	if c.AnalyzeMaxAnswer <= 0 {
		c.AnalyzeMaxAnswer = DefaultAnalyzeMaxAnswer
	}
	if c.ExpensiveConcurrency <= 0 {
		c.ExpensiveConcurrency = DefaultExpensiveConcurrency
	}
	return c
}

// Deps are what the handlers use, each behind a small interface. A nil dependency leaves
// its routes in place, answering 503 "not configured".
type Deps struct {
	// Checkers are the dependencies /health/ready and /health/detailed probe.
	Checkers []Checker
	// Headers, when set, adds the security headers to every response; it runs first.
	Headers echo.MiddlewareFunc
	// Lineage answers the lineage, view, search and impact endpoints.
	Lineage LineageReader
	// Responses, when set, caches those endpoints' encoded answers.
	Responses ResponseCache
	// Metrics, when set, records request latencies and serves /metrics.
	Metrics *Metrics
	// Analyzer computes lineage from SQL for POST /api/v1/lineage/analyze.
	Analyzer Analyzer
	// Differ compares a proposed view with the stored one (analyze's diff).
	Differ ViewDiffer
	// Writer persists analysed views (analyze with persist=true).
	Writer ViewWriter
	// Jobs enqueues refresh jobs and reports them.
	Jobs JobQueue
	// ViewJobs writes large analyze persist=true inputs as ingestion jobs.
	ViewJobs ViewJobs
	// Exports and Imports serve POST /api/v1/data/export and /data/import (api/data.go).
	Exports DataExporter
	Imports DataImporter
	// Intake receives OpenLineage events (POST /api/v1/lineage) and lists a job's runs.
	Intake LineageIntake
	// Security is the security layer's middleware (api/auth: headers, CORS,
	// authentication, rate limits, audit), run after the chain above and
	// before the handlers. Empty serves without auth (tests of handlers).
	Security []echo.MiddlewareFunc
}

// Server is the HTTP server. Create it with New, run it with Serve on a listener of the
// caller's, stop it with Shutdown.
type Server struct {
	cfg       Config
	logger    *slog.Logger
	echo      *echo.Echo
	http      *http.Server
	checkers  []Checker
	lineage   LineageReader
	responses ResponseCache
	metrics   *Metrics
	analyzer  Analyzer
	differ    ViewDiffer
	writer    ViewWriter
	jobs      JobQueue
	viewJobs  ViewJobs
	exports   DataExporter
	imports   DataImporter
	intake    LineageIntake
	started   time.Time
	// expensive bounds the concurrency of analyze, export and import (limitConcurrency).
	expensive echo.MiddlewareFunc
}

// New builds the server and its routes. It does not listen yet.
func New(cfg Config, deps Deps, logger *slog.Logger) *Server {
	cfg = cfg.withDefaults()
	s := &Server{
		cfg:       cfg,
		logger:    logger,
		checkers:  deps.Checkers,
		lineage:   deps.Lineage,
		responses: deps.Responses,
		metrics:   deps.Metrics,
		analyzer:  deps.Analyzer,
		differ:    deps.Differ,
		writer:    deps.Writer,
		jobs:      deps.Jobs,
		viewJobs:  deps.ViewJobs,
		exports:   deps.Exports,
		imports:   deps.Imports,
		intake:    deps.Intake,
		started:   time.Now().UTC(),
		expensive: limitConcurrency(cfg.ExpensiveConcurrency),
	}
	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = s.errorHandler
	e.IPExtractor = clientIP(cfg.TrustedProxies)
	e.Use(requestID())
	e.Use(checkRequestLine())
	if deps.Headers != nil {
		// Before the body limit and timeout, which answer without calling the rest.
		e.Use(deps.Headers)
	}
	if s.metrics != nil {
		e.Use(s.metrics.middleware())
	}
	e.Use(
		s.accessLog(),
		s.recoverPanics(),
		gzipResponses(),
		bodyLimit(cfg.BodyLimit),
		requestTimeout(cfg.RequestTimeout),
	)
	e.Use(deps.Security...)
	s.echo = e
	s.routes()
	s.http = &http.Server{
		Addr:              cfg.Addr,
		Handler:           e,
		ReadTimeout:       cfg.ReadTimeout,
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    serverHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	return s
}

// routes is the one place where routes are registered.
func (s *Server) routes() {
	e := s.echo
	e.GET("/health", s.health)
	e.GET("/health/live", s.live)
	e.GET("/health/ready", s.ready)
	e.GET("/health/detailed", s.detailed)
	e.GET("/metrics", s.serveMetrics)
	e.GET("/openapi.json", s.openAPI)
	e.GET("/docs", s.docs)
	e.GET("/docs/:asset", s.docsAsset)

	v1 := e.Group("/api/v1")
	v1.GET("/lineage/columns", s.columnLineage)
	v1.GET("/lineage/views", s.listViews)
	v1.GET("/lineage/views/:view_name", s.view)
	v1.GET("/lineage/tables", s.listTables)
	v1.GET("/lineage/datasets/:name", s.dataset)
	v1.GET("/lineage/search", s.search)
	v1.GET("/lineage/impact", s.impact)
	v1.POST("/lineage/analyze", s.analyze, s.expensive)
	v1.POST("/data/refresh", s.refresh)
	v1.GET("/jobs/:id", s.job)
	v1.POST("/lineage", s.receiveLineage)
	v1.GET("/lineage/runs", s.jobRuns)
	s.dataRoutes(v1)
}

func (s *Server) serveMetrics(c echo.Context) error {
	if s.metrics == nil {
		return unavailable("metrics")
	}
	return s.metrics.handler()(c)
}

// Handler returns the server's http.Handler (middleware and routes).
func (s *Server) Handler() http.Handler { return s.echo }

// Serve serves on l until Shutdown; it returns nil after a Shutdown.
func (s *Server) Serve(l net.Listener) error {
	s.logger.Info("http server listening", "addr", l.Addr().String())
	if err := s.http.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve http on %s: %w", l.Addr(), err)
	}
	return nil
}

// Shutdown stops accepting connections and waits for in-flight requests until
// ctx ends; then it closes the remaining connections.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.http.Shutdown(ctx)
	if err != nil {
		cerr := s.http.Close()
		return errors.Join(fmt.Errorf("graceful shutdown: %w", err), cerr)
	}
	return nil
}

// clientIP is how a request's client address is found: the peer address, unless the peer is
// one of the trusted proxies, whose X-Forwarded-For is then read from the right, skipping
// trusted hops. A client never chooses the address the rate limits and logs see: entries it
// adds itself sit left of the first untrusted hop and are ignored.
func clientIP(trusted []netip.Prefix) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range trusted {
		opts = append(opts, echo.TrustIPRange(&net.IPNet{IP: p.Masked().Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}
