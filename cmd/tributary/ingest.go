package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"

	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/ingest"
)

const ingestSummary = `Refresh the lineage graph from a source: list its views, compare them with the graph and
analyse the new and changed ones (dependency order), remove dropped ones.

By default the refresh is enqueued for ` + "`tributary worker`" + ` (asynq on Redis) and the job id printed;
--wait follows its progress. --inline runs the whole refresh in this process (no worker needed)
and waits. Both end, when waiting, with the counts of the source's views, columns and edges.

Sources:
  dir:PATH    .sql files with CREATE VIEW statements under PATH (recursive); base tables from
              --catalog, else PATH/catalog_types.json or PATH/catalog.json when present
  dbt:PATH    a dbt manifest.json (catalog.json beside it when present), or a dbt project folder
              (its target/manifest.json): models, sources and seeds (docs/sources.md)
  snowflake   Snowflake, configured by TRIBUTARY_SNOWFLAKE_* (and TRIBUTARY_SNOWFLAKE_SECRET_ID)
  querylog:PATH
              an export of SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY (JSON Lines or CSV): the lineage of
              its successful CREATE TABLE AS, INSERT and MERGE statements since the last refresh
  snowflake-queries
              SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY of the configured Snowflake account, the same way
              (the role needs IMPORTED PRIVILEGES on the SNOWFLAKE database)`

func runIngest(ctx context.Context, e env, args []string) int {
	fs := newFlagSet(e, "ingest", ingestSummary)
	source := fs.String("source", "", "dir:PATH, dbt:PATH, snowflake, querylog:PATH or snowflake-queries (required)")
	full := fs.Bool("full", false, "re-analyse every view, changed or not")
	wait := fs.Bool("wait", false, "wait for the refresh to finish, showing progress")
	inline := fs.Bool("inline", false, "run the refresh in this process instead of enqueueing it (implies --wait)")
	catalog := fs.String("catalog", "", "dir: catalog JSON of base tables ({\"DB.S.T\": [\"COL\", ...]})")
	defaultDB := fs.String("default-database", "", "dir: database completing partial names (default: the one database of the fully qualified view names)")
	defaultSchema := fs.String("default-schema", "", "dir: schema completing one-part names (default PUBLIC)")
	queue := fs.String("queue", ingest.DefaultQueue, "asynq queue")
	concurrency := fs.Int("concurrency", 2, "--inline: batches written at once")
	batch := fs.Int("batch", ingest.DefaultBatchSize, "views per analyze task")
	timeout := fs.Duration("timeout", 0, "give up waiting after this long (0: no limit)")
	cpuProfile := fs.String("cpuprofile", "", "--inline: write a CPU profile of this process to FILE")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *source == "" {
		fmt.Fprintln(e.stderr, "tributary ingest: --source is required (dir:PATH, dbt:PATH, snowflake, querylog:PATH or snowflake-queries)")
		return exitUsage
	}
	kind, arg, err := ingest.ParseSourceSpec(*source)
	if err != nil {
		fmt.Fprintf(e.stderr, "tributary ingest: %v\n", err)
		return exitUsage
	}
	if kind != "dir" && (*catalog != "" || *defaultDB != "" || *defaultSchema != "") {
		fmt.Fprintf(e.stderr, "tributary ingest: --catalog, --default-database and --default-schema apply to dir: sources only, not %s\n", kind)
		return exitUsage
	}
	p := ingest.RefreshPayload{Source: *source, Full: *full, JobID: uuid.NewString()}
	if kind == "dir" || kind == "dbt" || kind == ingest.SourceQueryLog {
		abs, err := filepath.Abs(arg)
		if err != nil {
			fmt.Fprintf(e.stderr, "tributary ingest: %v\n", err)
			return exitUsage
		}
		p.Source = kind + ":" + abs
	}
	if kind == "dir" {
		p.Dir = ingest.DirOptions{DefaultDatabase: *defaultDB, DefaultSchema: *defaultSchema}
		if *catalog != "" {
			if p.Dir.Catalog, err = filepath.Abs(*catalog); err != nil {
				fmt.Fprintf(e.stderr, "tributary ingest: %v\n", err)
				return exitUsage
			}
		}
	}
	cfg, logger, code, ok := setup(e)
	if !ok {
		return code
	}
	// An inline run queues the same change events a worker's refresh would (a worker delivers them).
	var hooks *ingest.WebhookConfig
	if *inline {
		var err error
		if hooks, err = webhooksFromEnv(e.getenv); err != nil {
			fmt.Fprintf(e.stderr, "tributary ingest: %v\n", err)
			return exitUsage
		}
	}
	if *timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *timeout)
		defer cancel()
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintf(e.stderr, "tributary ingest: %v\n", err)
			return exitUsage
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(e.stderr, "tributary ingest: %v\n", err)
			return exitFail
		}
		defer pprof.StopCPUProfile()
	}
	opts := ingestOptions{payload: p, queue: *queue, wait: *wait || *inline, inline: *inline,
		concurrency: *concurrency, batch: *batch, webhooks: hooks}
	if err := runIngestWith(ctx, e, cfg, logger, opts); err != nil {
		logger.Error("ingest failed", "error", err.Error())
		fmt.Fprintf(e.stderr, "tributary ingest: %v\n", err)
		return exitFail
	}
	return exitOK
}

type ingestOptions struct {
	payload            ingest.RefreshPayload
	queue              string
	wait, inline       bool
	concurrency, batch int
	webhooks           *ingest.WebhookConfig // inline runs: queue change events for these (nil: none)
}

func runIngestWith(ctx context.Context, e env, cfg Config, logger *slog.Logger, o ingestOptions) (err error) {
	driver, err := newNeo4jDriver(cfg.Neo4j)
	if err != nil {
		return err
	}
	// The job Redis holds the queue and job records; the cache may have a Redis of its own.
	redisc := newRedisClients(cfg)
	rdb := redisc.jobs
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		err = errors.Join(err, closeClients(cctx, driver.Close, redisc.Close))
	}()
	store := graph.NewStore(driver, cfg.Neo4j.Database)
	jobs := ingest.NewJobStore(rdb, "", 0)
	p := o.payload

	if o.inline {
		open, err := ingest.OpenerFromEnv(ctx, e.getenv, logger)
		if err != nil {
			return err
		}
		src, closeSrc, err := open(ctx, p)
		if err != nil {
			return err
		}
		defer closeSrc()
		// Writes go through the writer, which bumps the cache generation after each commit, so
		// the API never serves lineage older than the last completed write.
		writer := graph.NewWriter(store, graph.NewCache(redisc.cache, cfg.CacheTTL, graph.CacheOptions{}))
		runner := ingest.NewRunner(writer, jobs, logger)
		runner.Concurrency, runner.BatchSize = o.concurrency, o.batch
		runner.Retention = cfg.QueryLineageRetention
		if o.webhooks != nil {
			// Change records are made in the write transactions, as in the worker, and their
			// deliveries queued on o.queue: a worker with the same webhook settings posts them.
			wc := *o.webhooks
			wc.Queue = o.queue
			hooks, err := ingest.NewWebhooks(wc, asynq.NewClientFromRedisClient(rdb), store, nil, logger.With("component", "webhooks"))
			if err != nil {
				return err
			}
			runner.WithChanges(writer, hooks)
			fmt.Fprintf(e.stdout, "change events queued on %q for %d webhook URL(s); a worker delivers them\n", o.queue, len(wc.URLs))
		}
		fmt.Fprintf(e.stdout, "job %s: refreshing %s in this process\n", p.JobID, src.Name())
		if err := jobs.Create(ctx, p.JobID, src.Name(), p.Full); err != nil {
			return err
		}
		done := make(chan struct{})
		watchErr := make(chan error, 1)
		go func() { watchErr <- ingest.WatchJob(ctx, e.stdout, jobs, p.JobID, done) }()
		start := time.Now()
		_, runErr := runner.RunInline(ctx, src, p.Full, p.JobID)
		close(done)
		if err := errors.Join(runErr, <-watchErr); err != nil {
			return err
		}
		return ingest.PrintResult(ctx, e.stdout, store, jobs, p.JobID, src.Name(), time.Since(start))
	}

	client := asynq.NewClientFromRedisClient(rdb)
	task, err := ingest.NewRefreshTask(ctx, p, asynq.Queue(o.queue), asynq.MaxRetry(5))
	if err != nil {
		return err
	}
	if err := jobs.Create(ctx, p.JobID, p.Source, p.Full); err != nil {
		return err
	}
	if _, err := client.EnqueueContext(ctx, task); err != nil {
		return fmt.Errorf("enqueue refresh: %w", err)
	}
	fmt.Fprintf(e.stdout, "job %s: refresh of %s enqueued on queue %q\n", p.JobID, p.Source, o.queue)
	if !o.wait {
		return nil
	}
	if !ingest.WorkerListening(asynq.NewInspectorFromRedisClient(rdb), o.queue) {
		fmt.Fprintf(e.stdout, "no worker is serving queue %q yet: start `tributary worker`, or use --inline\n", o.queue)
	}
	start := time.Now()
	if err := ingest.WatchJob(ctx, e.stdout, jobs, p.JobID, nil); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("stopped waiting for job %s (it keeps running): %w", p.JobID, err)
	}
	j, err := jobs.Get(ctx, p.JobID)
	if err != nil {
		return err
	}
	if j.State == ingest.JobFailed {
		return fmt.Errorf("job %s failed: %s", j.ID, strings.Join(j.Errors, "; "))
	}
	return ingest.PrintResult(ctx, e.stdout, store, jobs, p.JobID, j.Source, time.Since(start))
}
