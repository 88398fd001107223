package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/redis/go-redis/v9"
	"github.com/robfig/cron/v3"

	"github.com/tributary-lineage/tributary/export"
	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/ingest"
	"github.com/tributary-lineage/tributary/telemetry"
)

// Worker environment: the periodic refresh.
const (
	envRefreshCron   = "TRIBUTARY_REFRESH_CRON"   // e.g. "*/30 * * * *" or "@every 1h"; unset: no periodic refresh
	envRefreshSource = "TRIBUTARY_REFRESH_SOURCE" // --source spec of the periodic refresh (default snowflake)
	envRefreshFull   = "TRIBUTARY_REFRESH_FULL"   // "true": periodic refreshes re-analyse everything
)

// Worker environment: change-event webhooks (docs/webhooks.md).
const (
	envWebhookURLs     = "TRIBUTARY_WEBHOOK_URLS"      // comma-separated http(s) URLs; unset: no change events
	envWebhookSecret   = "TRIBUTARY_WEBHOOK_SECRET"    // HMAC-SHA256 key of X-Tributary-Signature; required with URLs
	envWebhookTimeout  = "TRIBUTARY_WEBHOOK_TIMEOUT"   // per-request timeout (default 10s)
	envWebhookMaxRetry = "TRIBUTARY_WEBHOOK_MAX_RETRY" // retries after the first attempt (default 10)
)

func runWorker(ctx context.Context, e env, args []string) int {
	fs := newFlagSet(e, "worker", "Run the ingestion worker: an asynq server for the lineage:refresh and lineage:analyze tasks,\n"+
		"plus a scheduler enqueueing a refresh on "+envRefreshCron+" (of "+envRefreshSource+", default snowflake).\n"+
		"On SIGINT/SIGTERM it stops taking tasks and waits up to TRIBUTARY_SHUTDOWN_TIMEOUT; unfinished tasks go\n"+
		"back to the queue and run again (every write is idempotent).\n"+
		"With "+envWebhookURLs+" (and "+envWebhookSecret+") every view a refresh changes is posted to each URL as a\n"+
		"signed JSON event by lineage:webhook tasks; the events are stored in Neo4j with the write that made them and\n"+
		"a sweep every 15 s enqueues those not yet handed on (docs/webhooks.md).")
	concurrency := fs.Int("concurrency", 2, "tasks processed at once")
	queue := fs.String("queue", ingest.DefaultQueue, "asynq queue to serve")
	batch := fs.Int("batch", ingest.DefaultBatchSize, "views per analyze task enqueued by refreshes")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	cfg, logger, code, ok := setup(e)
	if !ok {
		return code
	}
	sched, err := scheduleFromEnv(e.getenv)
	if err != nil {
		fmt.Fprintf(e.stderr, "tributary worker: %v\n", err)
		return exitUsage
	}
	hooks, err := webhooksFromEnv(e.getenv)
	if err != nil {
		fmt.Fprintf(e.stderr, "tributary worker: %v\n", err)
		return exitUsage
	}
	tel, err := telemetry.New(ctx, telemetry.ConfigFromEnv(e.getenv, "tributary-worker", version))
	if err != nil {
		logger.Error("worker failed", "error", err.Error())
		return exitFail
	}
	defer shutdownTelemetry(ctx, tel, logger)
	if err := worker(ctx, e, cfg, tel, logger, workerOptions{concurrency: *concurrency, queue: *queue, batch: *batch, schedule: sched, webhooks: hooks}); err != nil {
		logger.Error("worker failed", "error", err.Error())
		return exitFail
	}
	return exitOK
}

type schedule struct {
	cron    string
	payload ingest.RefreshPayload
}

func scheduleFromEnv(getenv func(string) string) (*schedule, error) {
	spec := getenv(envRefreshCron)
	if spec == "" {
		return nil, nil
	}
	if _, err := cron.ParseStandard(spec); err != nil {
		return nil, fmt.Errorf("%s=%q: %w", envRefreshCron, spec, err)
	}
	src := getenv(envRefreshSource)
	if src == "" {
		src = "snowflake"
	}
	if _, _, err := ingest.ParseSourceSpec(src); err != nil {
		return nil, fmt.Errorf("%s: %w", envRefreshSource, err)
	}
	full := false
	if v := getenv(envRefreshFull); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, fmt.Errorf("%s=%q: not a boolean", envRefreshFull, v)
		}
		full = b
	}
	return &schedule{cron: spec, payload: ingest.RefreshPayload{Source: src, Full: full}}, nil
}

// webhooksFromEnv reads the webhook settings; nil when no URL is configured.
func webhooksFromEnv(getenv func(string) string) (*ingest.WebhookConfig, error) {
	var urls []string
	for _, u := range strings.Split(getenv(envWebhookURLs), ",") {
		if u = strings.TrimSpace(u); u != "" {
			urls = append(urls, u)
		}
	}
	if len(urls) == 0 {
		return nil, nil
	}
	c := &ingest.WebhookConfig{URLs: urls, Secret: getenv(envWebhookSecret)}
	if v := getenv(envWebhookTimeout); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("%s=%q: want a positive duration such as 10s", envWebhookTimeout, v)
		}
		c.Timeout = d
	}
	if v := getenv(envWebhookMaxRetry); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("%s=%q: want a positive integer", envWebhookMaxRetry, v)
		}
		c.MaxRetry = n
	}
	if err := c.Validate(); err != nil {
		return nil, fmt.Errorf("%s/%s: %w", envWebhookURLs, envWebhookSecret, err)
	}
	return c, nil
}

type workerOptions struct {
	concurrency int
	queue       string
	batch       int
	schedule    *schedule
	webhooks    *ingest.WebhookConfig // nil: no change events
}

func worker(ctx context.Context, e env, cfg Config, tel *telemetry.Provider, logger *slog.Logger, o workerOptions) (err error) {
	driver, err := newNeo4jDriver(cfg.Neo4j)
	if err != nil {
		return err
	}
	// One connection before the tasks: the driver (v5.28) sets up its connector lazily, racing
	// when the first connections are made at once, as by the tasks a restarted worker recovers.
	// Neo4j being down is no reason not to start: tasks retry.
	vctx, cancel := context.WithTimeout(ctx, neo4jConnectTimeout)
	if err := driver.VerifyConnectivity(vctx); err != nil {
		logger.Warn("neo4j not reachable at start; tasks retry until it is", "error", err.Error())
	}
	cancel()
	driver = telemetry.WrapDriver(driver, tel)
	// The job Redis holds the queues and job records; the cache may have a Redis of its own.
	redisc := newRedisClients(cfg)
	redisc.addHooks(func(addr string) redis.Hook { return telemetry.RedisHook(tel, addr) })
	rdb := redisc.jobs
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		err = errors.Join(err, closeClients(cctx, driver.Close, redisc.Close))
	}()
	checkCachePolicy(ctx, redisc.cache, redisc.cacheAddr, redisc.cacheShared, logger)
	store := graph.NewStore(driver, cfg.Neo4j.Database)
	jobs := ingest.NewJobStore(rdb, "", 0)
	// Writes go through the writer, which bumps the cache generation after each commit, so
	// the API never serves lineage older than the last completed write.
	writer := graph.NewWriter(store, graph.NewCache(redisc.cache, cfg.CacheTTL, graph.CacheOptions{}))
	runner := ingest.NewRunner(writer, jobs, logger)
	runner.BatchSize = o.batch
	runner.Retention = cfg.QueryLineageRetention
	client := asynq.NewClientFromRedisClient(rdb)
	open, err := ingest.OpenerFromEnv(ctx, e.getenv, logger)
	if err != nil {
		return err
	}
	handlers := ingest.NewHandlers(runner, jobs, client, asynq.NewInspectorFromRedisClient(rdb), open, o.queue, logger)
	mux := asynq.NewServeMux()
	// Worker metrics and queue depth, served with the probes on TRIBUTARY_METRICS_ADDR.
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	taskMetrics := telemetry.NewWorkerMetrics(reg)
	reg.MustRegister(telemetry.NewQueueCollector(asynq.NewInspectorFromRedisClient(rdb), o.queue))
	mux.Use(telemetry.TaskMiddleware(tel), taskMetrics.Middleware())
	handlers.Register(mux)
	if cfg.Auth.MetricsAddr != "" {
		// Ready when both stores answer: without Neo4j every refresh and analyze task fails.
		side, err := telemetry.StartSideServer(cfg.Auth.MetricsAddr, telemetry.WorkerHandler(reg, func(ctx context.Context) error {
			var errs []error
			if err := rdb.Ping(ctx).Err(); err != nil {
				errs = append(errs, fmt.Errorf("job redis: %w", err))
			}
			if _, err := store.ServerInfo(ctx); err != nil {
				errs = append(errs, fmt.Errorf("neo4j: %w", err))
			}
			return errors.Join(errs...)
		}), logger)
		if err != nil {
			return err
		}
		defer func() {
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			err = errors.Join(err, side.Shutdown(sctx))
		}()
	}
	if o.webhooks != nil {
		wc := *o.webhooks
		wc.Queue = o.queue
		hooks, err := ingest.NewWebhooks(wc, client, store, nil, logger.With("component", "webhooks"))
		if err != nil {
			return err
		}
		runner.WithChanges(writer, hooks)
		hooks.Register(mux)
		hooks.RegisterMetrics(reg)
		// The outbox sweep hands on the events whose enqueue failed after their write committed.
		sweepCtx, stopSweep := context.WithCancel(ctx)
		swept := make(chan struct{})
		go func() {
			defer close(swept)
			hooks.Run(sweepCtx)
		}()
		defer func() {
			stopSweep()
			<-swept
		}()
		logger.Info("change events enabled", "webhooks", len(wc.URLs))
	}
	queues := map[string]int{o.queue: 1}
	// Export jobs exist only with an S3 bucket (serve enqueues none without one).
	if cfg.S3.Bucket != "" {
		s3, err := export.NewS3Store(ctx, cfg.S3)
		if err != nil {
			return fmt.Errorf("s3 store: %w", err)
		}
		export.NewHandler(store, s3, logger.With("component", "export"), export.Options{}).Register(mux)
		queues[export.DefaultQueue] = 1
		logger.Info("export jobs enabled", "queue", export.DefaultQueue, "bucket", cfg.S3.Bucket, "prefix", cfg.S3.Prefix)
	}

	alog := telemetry.AsynqLogger(logger.With("component", "asynq"))
	srv := asynq.NewServerFromRedisClient(rdb, asynq.Config{
		Concurrency:     o.concurrency,
		Queues:          queues,
		ShutdownTimeout: cfg.ShutdownTimeout,
		Logger:          alog,
		// Webhook deliveries back off 10 s, 20 s, 40 s, ... up to 1 h; other tasks keep asynq's
		// delays, except those of a worker that died: they run again after a second (logged).
		RetryDelayFunc: ingest.RecoveryDelay(ingest.RetryDelay(0, 0), time.Second, logger),
		// Retries and recovered tasks are picked up within a second (asynq's default: 5 s).
		DelayedTaskCheckInterval: time.Second,
		ErrorHandler: asynq.ErrorHandlerFunc(func(ctx context.Context, t *asynq.Task, err error) {
			id, _ := asynq.GetTaskID(ctx)
			n, _ := asynq.GetRetryCount(ctx)
			logger.ErrorContext(ctx, "task failed", "type", t.Type(), "task", id, "retry", n, "error", err.Error())
		}),
	})
	if err := srv.Start(mux); err != nil {
		return fmt.Errorf("start asynq server: %w", err)
	}
	logger.Info("worker started", "queue", o.queue, "concurrency", o.concurrency)

	var sched *asynq.Scheduler
	if o.schedule != nil {
		sched = asynq.NewSchedulerFromRedisClient(rdb, &asynq.SchedulerOpts{Logger: alog, Location: time.UTC})
		task, err := ingest.NewRefreshTask(ctx, o.schedule.payload, asynq.Queue(o.queue), asynq.MaxRetry(5))
		if err != nil {
			srv.Shutdown()
			return err
		}
		if _, err := sched.Register(o.schedule.cron, task); err != nil {
			srv.Shutdown()
			return fmt.Errorf("schedule refresh: %w", err)
		}
		if err := sched.Start(); err != nil {
			srv.Shutdown()
			return fmt.Errorf("start scheduler: %w", err)
		}
		logger.Info("periodic refresh scheduled", "cron", o.schedule.cron, "source", o.schedule.payload.Source)
	}

	<-ctx.Done()
	logger.Info("worker shutting down", "timeout", cfg.ShutdownTimeout.String())
	if sched != nil {
		sched.Shutdown()
	}
	srv.Shutdown() // waits up to ShutdownTimeout; unfinished tasks are requeued
	logger.Info("worker stopped")
	return nil
}
