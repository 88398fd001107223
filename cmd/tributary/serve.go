package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/hibiken/asynq"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"

	"github.com/tributary-lineage/tributary/api"
	"github.com/tributary-lineage/tributary/api/auth"
	"github.com/tributary-lineage/tributary/export"
	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/ingest"
	"github.com/tributary-lineage/tributary/ingest/openlineage"
	"github.com/tributary-lineage/tributary/telemetry"
)

func runServe(ctx context.Context, e env, args []string) int {
	fs := newFlagSet(e, "serve", "Run the HTTP API until SIGINT or SIGTERM, then shut down gracefully.\nConfigured by the TRIBUTARY_* environment (see `tributary help`).")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	cfg, logger, code, ok := setup(e)
	if !ok {
		return code
	}
	tel, err := telemetry.New(ctx, telemetry.ConfigFromEnv(e.getenv, "tributary-api", version))
	if err != nil {
		logger.Error("serve failed", "error", err.Error())
		return exitFail
	}
	defer shutdownTelemetry(ctx, tel, logger)
	hooks, err := webhooksFromEnv(e.getenv)
	if err != nil {
		logger.Error("serve failed", "error", err.Error())
		return exitFail
	}
	if err := serve(ctx, cfg, tel, logger, hooks); err != nil {
		logger.Error("serve failed", "error", err.Error())
		return exitFail
	}
	return exitOK
}

// shutdownTelemetry flushes the spans still buffered; a collector that does not answer costs at
// most five seconds of shutdown.
func shutdownTelemetry(ctx context.Context, tel *telemetry.Provider, logger *slog.Logger) {
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := tel.Shutdown(sctx); err != nil {
		logger.Warn("telemetry shutdown", "error", err.Error())
	}
}

// serve wires clients, store and server, serves until ctx ends, then shuts
// everything down within cfg.ShutdownTimeout. hooks, when set, makes the OpenLineage intake
// store change events with its writes, delivered by a worker serving the default queue.
func serve(ctx context.Context, cfg Config, tel *telemetry.Provider, logger *slog.Logger, hooks *ingest.WebhookConfig) (err error) {
	build := buildInfo()
	logger.Info("starting tributary", "build", build, "config", cfg)

	driver, err := newNeo4jDriver(cfg.Neo4j, serveNeo4jTimeouts)
	if err != nil {
		return err
	}
	// Spans for Neo4j sessions and Redis commands made inside traced requests (no-ops when
	// OTEL_EXPORTER_OTLP_ENDPOINT is unset).
	driver = telemetry.WrapDriver(driver, tel)
	// The job Redis holds the queues, API keys and rate limits; the cache may have its own.
	redisc := newRedisClients(cfg)
	redisc.addHooks(func(addr string) redis.Hook { return telemetry.RedisHook(tel, addr) })
	rdb := redisc.jobs
	checkCachePolicy(ctx, redisc.cache, redisc.cacheAddr, redisc.cacheShared, logger)
	security, err := newSecurity(ctx, cfg.Auth, rdb, logger)
	if err != nil {
		return errors.Join(fmt.Errorf("security: %w", err), closeClients(ctx, driver.Close, redisc.Close))
	}
	store := graph.NewStore(driver, cfg.Neo4j.Database)

	// Reads: store -> circuit breaker -> Neo4j latency metrics; every lineage endpoint caches
	// its encoded answer in Redis (cache). Writes go through the one writer, which bumps the
	// cache's generation after they commit, so cached answers are never older than the last
	// write. The breaker answers 503 at once while Neo4j is unreachable and closes again by
	// itself once a background probe reaches it.
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := api.NewMetrics(reg)
	breaker := graph.NewBreaker(store, driver.VerifyConnectivity, graph.BreakerOptions{})
	backend := metrics.InstrumentGraph(breaker)
	cache := graph.NewCache(redisc.cache, cfg.CacheTTL, graph.CacheOptions{})
	writer := graph.NewWriter(store, cache)
	metrics.RegisterCache(cache)
	jobs := api.NewIngestQueue(rdb, ingest.DefaultQueue)
	metrics.RegisterJobs(jobs)
	exports, imports, err := newDataServices(ctx, cfg.S3, store, writer, rdb, logger)
	if err != nil {
		return errors.Join(err, closeClients(ctx, driver.Close, redisc.Close))
	}
	intake, err := openlineage.NewIntake(writer.Guarded(breaker), logger.With("component", "openlineage"), openlineage.DefaultMaxBatch)
	if err != nil {
		return errors.Join(err, closeClients(ctx, driver.Close, redisc.Close))
	}
	if hooks != nil {
		wc := *hooks
		wc.Queue = ingest.DefaultQueue
		pub, err := ingest.NewWebhooks(wc, asynq.NewClientFromRedisClient(rdb), store, nil, logger.With("component", "webhooks"))
		if err != nil {
			return errors.Join(err, closeClients(ctx, driver.Close, redisc.Close))
		}
		intake.WithChanges(pub)
	}

	srv := api.New(api.Config{
		Addr:                 cfg.HTTP.Addr,
		ReadTimeout:          cfg.HTTP.ReadTimeout,
		WriteTimeout:         cfg.HTTP.WriteTimeout,
		IdleTimeout:          cfg.HTTP.IdleTimeout,
		RequestTimeout:       cfg.HTTP.RequestTimeout,
		HealthTimeout:        cfg.HTTP.HealthTimeout,
		BodyLimit:            cfg.HTTP.BodyLimit,
		MaxDepth:             cfg.MaxDepth,
		Build:                build,
		ExpensiveConcurrency: cfg.HTTP.ExpensiveConcurrency,
		TrustedProxies:       cfg.Auth.TrustedProxies,
	}, api.Deps{
		Checkers: healthCheckers(redisc, cache, api.NewNeo4jChecker(store, driver)),
		// Every lineage endpoint caches its encoded answer (Responses), so the reads beneath it
		// go to Neo4j directly: caching the graph value too would cost a second Redis lookup
		// and store per miss and twice the memory, for no extra hit.
		Lineage:   backend,
		Responses: cache,
		Metrics:   metrics,
		Analyzer:  api.NewEngineAnalyzer(backend, cfg.AnalyzeMaxStatements, cfg.DefaultDatabase, cfg.DefaultSchema),
		Differ:    backend,
		Jobs:      jobs,
		ViewJobs:  auth.RequireRoleToEnqueue(jobs, auth.RoleEditor),
		Writer:    auth.RequireRoleToWrite(metrics.InstrumentWriter(writer.Guarded(breaker)), auth.RoleEditor),
		Exports:   exports,
		Imports:   imports,
		Intake:    intake,
		// The HTTP span wraps authentication too, so rejected requests are traced.
		Headers:  security.Headers(),
		Security: append([]echo.MiddlewareFunc{telemetry.EchoMiddleware(tel)}, security.Middleware()...),
	}, logger)

	// Closing the clients runs last, after the server has drained.
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
		defer cancel()
		start := time.Now()
		err = errors.Join(err, closeClients(cctx, driver.Close, redisc.Close))
		logger.Info("clients closed", "duration_ms", time.Since(start).Milliseconds())
	}()
	// The OpenLineage intake's batch writer runs until the HTTP server has drained (requests
	// wait on it), then stops, before the clients close.
	intakeCtx, stopIntake := context.WithCancel(context.WithoutCancel(ctx))
	intakeDone := make(chan struct{})
	go func() {
		defer close(intakeDone)
		intake.Run(intakeCtx)
	}()
	defer func() {
		stopIntake()
		<-intakeDone
	}()

	if cfg.Auth.MetricsAddr != "" {
		// /metrics without authentication: bind it to an address only scrapers can reach.
		side, err := telemetry.StartSideServer(cfg.Auth.MetricsAddr, telemetry.MetricsHandler(reg), logger)
		if err != nil {
			return fmt.Errorf("metrics listener: %w", err)
		}
		defer func() {
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			if err := side.Shutdown(sctx); err != nil {
				logger.Warn("metrics listener shutdown", "error", err.Error())
			}
		}()
	}

	l, err := net.Listen("tcp", cfg.HTTP.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.HTTP.Addr, err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down", "reason", context.Cause(ctx).Error(), "timeout", cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	shutErr := srv.Shutdown(sctx)
	serveErr := <-served
	if err := errors.Join(shutErr, serveErr); err != nil {
		return err
	}
	logger.Info("http server stopped")
	return nil
}

// healthCheckers returns the health checkers: neo4j, the job Redis ("redis"), the cache Redis
// ("redis-cache") when it is a server of its own, and the cache. Without Redis the API still
// answers (reads bypass the cache), so a Redis that is down is degraded, never a readiness
// failure; without the job Redis, refresh jobs cannot be enqueued meanwhile.
func healthCheckers(rc redisClients, cache api.CachePinger, neo4jChecker api.Checker) []api.Checker {
	checkers := []api.Checker{neo4jChecker}
	if rc.cacheShared {
		checkers = append(checkers, api.Degradable(api.NewRedisChecker(rc.jobs), "lineage reads bypass the cache; refresh jobs cannot be enqueued"))
	} else {
		checkers = append(checkers,
			api.Degradable(api.NewRedisChecker(rc.jobs), "refresh jobs cannot be enqueued"),
			api.Degradable(api.Renamed(api.NewRedisChecker(rc.cache), "redis-cache"), "lineage reads bypass the cache"))
	}
	return append(checkers, api.NewCacheChecker(cache))
}

// newDataServices builds the export and import services of POST /api/v1/data/export and
// /data/import. Exports read the store (not the cache: they page through whole graphs);
// imports write through the writer, which invalidates the cache after each batch. Without an S3 bucket
// there are no export jobs (large scopes are refused with a 400 naming inline delivery) and
// no s3:// imports; inline exports and body imports still work. Archives of .sql files are
// ingested in the request, as an inline refresh of their extracted folder (a source of its own,
// so the refresh drops no other view), writing through the writer too.
func newDataServices(ctx context.Context, s3cfg export.S3Config, store *graph.Store, writer *graph.Writer, rdb redis.UniversalClient, logger *slog.Logger) (*export.ExportService, *export.ImportService, error) {
	exports := &export.ExportService{Reader: store}
	imports := &export.ImportService{Writer: writer, IngestDir: func(ctx context.Context, dir string) error {
		src, err := ingest.NewDirSource(dir, ingest.DirOptions{})
		if err != nil {
			return err
		}
		runner := ingest.NewRunner(writer, nil, logger.With("component", "import"))
		_, err = runner.RunInline(ctx, src, false, "")
		return err
	}}
	if s3cfg.Bucket == "" {
		return exports, imports, nil
	}
	s3, err := export.NewS3Store(ctx, s3cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("s3 store: %w", err)
	}
	exports.Queue = asynq.NewClientFromRedisClient(rdb)
	exports.Inspector = asynq.NewInspectorFromRedisClient(rdb)
	imports.S3 = s3
	return exports, imports, nil
}

func closeClients(ctx context.Context, closeNeo4j func(context.Context) error, closeRedis func() error) error {
	var errs []error
	if err := closeNeo4j(ctx); err != nil {
		errs = append(errs, fmt.Errorf("close neo4j driver: %w", err))
	}
	if err := closeRedis(); err != nil {
		errs = append(errs, fmt.Errorf("close redis client: %w", err))
	}
	return errors.Join(errs...)
}
