package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"
	"golang.org/x/term"

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
  snowflake   Snowflake, configured by TRIBUTARY_SNOWFLAKE_* (and TRIBUTARY_SNOWFLAKE_SECRET_ID)`

func runIngest(ctx context.Context, e env, args []string) int {
	fs := newFlagSet(e, "ingest", ingestSummary)
	source := fs.String("source", "", "dir:PATH or snowflake (required)")
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
		fmt.Fprintln(e.stderr, "tributary ingest: --source is required (dir:PATH or snowflake)")
		return exitUsage
	}
	kind, arg, err := ingest.ParseSourceSpec(*source)
	if err != nil {
		fmt.Fprintf(e.stderr, "tributary ingest: %v\n", err)
		return exitUsage
	}
	p := ingest.RefreshPayload{Source: *source, Full: *full, JobID: uuid.NewString()}
	if kind == "dir" {
		abs, err := filepath.Abs(arg)
		if err != nil {
			fmt.Fprintf(e.stderr, "tributary ingest: %v\n", err)
			return exitUsage
		}
		p.Source = "dir:" + abs
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
		go func() { watchErr <- watchJob(ctx, e.stdout, jobs, p.JobID, done) }()
		start := time.Now()
		_, runErr := runner.RunInline(ctx, src, p.Full, p.JobID)
		close(done)
		if err := errors.Join(runErr, <-watchErr); err != nil {
			return err
		}
		return printResult(ctx, e.stdout, store, jobs, p.JobID, src.Name(), time.Since(start))
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
	if !workerListening(asynq.NewInspectorFromRedisClient(rdb), o.queue) {
		fmt.Fprintf(e.stdout, "no worker is serving queue %q yet: start `tributary worker`, or use --inline\n", o.queue)
	}
	start := time.Now()
	if err := watchJob(ctx, e.stdout, jobs, p.JobID, nil); err != nil {
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
	return printResult(ctx, e.stdout, store, jobs, p.JobID, j.Source, time.Since(start))
}

// workerListening reports whether some asynq server serves queue.
func workerListening(in *asynq.Inspector, queue string) bool {
	servers, err := in.Servers()
	if err != nil {
		return true // cannot tell; do not warn
	}
	for _, s := range servers {
		if _, ok := s.Queues[queue]; ok {
			return true
		}
	}
	return false
}

// watchJob shows the job's progress until it is final, ctx ends or stop closes (then it shows
// the last state once more). On a terminal it draws a bar; otherwise it prints a line when
// the numbers change, at most once a second. It fails when the job record vanished (the job
// Redis lost it): nothing would ever finish it.
func watchJob(ctx context.Context, w io.Writer, jobs *ingest.JobStore, id string, stop <-chan struct{}) error {
	tty := false
	if f, ok := w.(*os.File); ok {
		tty = term.IsTerminal(int(f.Fd()))
	}
	interval := time.Second
	if tty {
		interval = 200 * time.Millisecond
	}
	tick := time.NewTicker(interval)
	defer tick.Stop()
	last := ""
	var source string
	show := func() (bool, error) {
		j, err := jobs.Get(ctx, id)
		if errors.Is(err, ingest.ErrJobNotFound) {
			return true, fmt.Errorf("job %s vanished from the job Redis (restarted without persistence, or flushed): "+
				"the views it wrote stay, the others are written by the next refresh of %s: %w", id, source, err)
		}
		if err != nil {
			// Redis unreachable, or ctx ended: keep trying until ctx ends.
			return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded), nil
		}
		source = j.Source
		line := progressLine(j, tty)
		if line != last {
			if tty {
				fmt.Fprintf(w, "\r\033[K%s", line)
			} else {
				fmt.Fprintln(w, line)
			}
			last = line
		}
		return j.Final(), nil
	}
	defer func() {
		if tty && last != "" {
			fmt.Fprintln(w)
		}
	}()
	for {
		if final, err := show(); final || err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-stop:
			_, err := show()
			return err
		case <-tick.C:
		}
	}
}

func progressLine(j ingest.Job, bar bool) string {
	n := j.Done + j.Failed
	retry := ""
	if j.Attempt > 1 && j.LastError != "" && j.Retrying == 0 {
		retry = fmt.Sprintf(" (attempt %d after: %s)", j.Attempt, j.LastError)
	}
	switch j.State {
	case ingest.JobQueued, ingest.JobPlanning, "":
		return fmt.Sprintf("%s: %s%s", j.State, j.Source, retry)
	}
	if j.Retrying > 0 && !j.Final() {
		retry = fmt.Sprintf(" (%d batch(es) retrying after: %s)", j.Retrying, j.LastError)
	}
	counts := fmt.Sprintf("%d/%d views analysed, %d failed, %d unchanged, %d dropped%s", n, j.Total, j.Failed, j.Unchanged, j.Deleted, retry)
	if !bar {
		return j.State + ": " + counts
	}
	const width = 30
	filled := width
	if j.Total > 0 {
		filled = min(width, width*n/j.Total)
	}
	return fmt.Sprintf("[%s%s] %s", strings.Repeat("#", filled), strings.Repeat(".", width-filled), counts)
}

func printResult(ctx context.Context, w io.Writer, store *graph.Store, jobs *ingest.JobStore, id, source string, took time.Duration) error {
	j, err := jobs.Get(ctx, id)
	if err != nil {
		return err
	}
	c, err := store.SourceCounts(ctx, source)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "job %s %s in %.1fs: %d views analysed (%d failed), %d unchanged, %d dropped, %d base tables written",
		j.ID, j.State, took.Seconds(), j.Done+j.Failed, j.Failed, j.Unchanged, j.Deleted, j.Tables)
	if j.ReanalysedEngine > 0 {
		fmt.Fprintf(w, "; %d of the views analysed only because an engine with another lineage version had analysed them", j.ReanalysedEngine)
	}
	fmt.Fprintln(w)
	for _, msg := range j.Errors {
		fmt.Fprintf(w, "  failed: %s\n", msg)
	}
	for _, f := range j.Skipped {
		fmt.Fprintf(w, "  skipped file: %s\n", f)
	}
	if len(j.Joined) > 0 {
		fmt.Fprintf(w, "  some views were written by job(s) already running the same work: %s\n", strings.Join(j.Joined, ", "))
	}
	fmt.Fprintf(w, "%s: %d views (%d failed, %d hidden), %d columns, %d edges\n", source, c.Views, c.Failed, c.Hidden, c.Columns, c.Edges)
	return nil
}
