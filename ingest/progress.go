package ingest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/hibiken/asynq"
	"golang.org/x/term"

	"github.com/tributary-lineage/tributary/graph"
)

// WorkerListening reports whether some asynq server serves queue.
func WorkerListening(in *asynq.Inspector, queue string) bool {
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

// WatchJob shows the job's progress until it is final, ctx ends or stop closes (then it shows
// the last state once more). On a terminal it draws a bar; otherwise it prints a line when
// the numbers change, at most once a second. It fails when the job record vanished (the job
// Redis lost it): nothing would ever finish it.
func WatchJob(ctx context.Context, w io.Writer, jobs *JobStore, id string, stop <-chan struct{}) error {
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
		if errors.Is(err, ErrJobNotFound) {
			return true, fmt.Errorf("job %s vanished from the job Redis (restarted without persistence, or flushed): "+
				"the views it wrote stay, the others are written by the next refresh of %s: %w", id, source, err)
		}
		if err != nil {
			// Redis unreachable, or ctx ended: keep trying until ctx ends.
			return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded), nil
		}
		source = j.Source
		line := ProgressLine(j, tty)
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

// ProgressLine renders the job's state and counts as one line, as a bar when bar is set.
func ProgressLine(j Job, bar bool) string {
	n := j.Done + j.Failed
	retry := ""
	if j.Attempt > 1 && j.LastError != "" && j.Retrying == 0 {
		retry = fmt.Sprintf(" (attempt %d after: %s)", j.Attempt, j.LastError)
	}
	switch j.State {
	case JobPlanning:
		if n > 0 { // batches are written while planning goes on; the total is not known yet
			return fmt.Sprintf("%s: %s, %d %s analysed so far, %d failed%s", j.State, j.Source, n, unitOf(j.Source), j.Failed, retry)
		}
		return fmt.Sprintf("%s: %s%s", j.State, j.Source, retry)
	case JobQueued, "":
		return fmt.Sprintf("%s: %s%s", j.State, j.Source, retry)
	}
	if j.Retrying > 0 && !j.Final() {
		retry = fmt.Sprintf(" (%d batch(es) retrying after: %s)", j.Retrying, j.LastError)
	}
	counts := fmt.Sprintf("%d/%d %s analysed, %d failed, %d unchanged, %d dropped%s", n, j.Total, unitOf(j.Source), j.Failed, j.Unchanged, j.Deleted, retry)
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

// PrintResult writes the job's final counts, its failures and what the source skipped, and its
// counts in the graph.
func PrintResult(ctx context.Context, w io.Writer, store *graph.Store, jobs *JobStore, id, source string, took time.Duration) error {
	j, err := jobs.Get(ctx, id)
	if err != nil {
		return err
	}
	c, err := store.SourceCounts(ctx, source)
	if err != nil {
		return err
	}
	unit := unitOf(source)
	fmt.Fprintf(w, "job %s %s in %.1fs: %d %s analysed (%d failed), %d unchanged, %d dropped, %d base tables written",
		j.ID, j.State, took.Seconds(), j.Done+j.Failed, unit, j.Failed, j.Unchanged, j.Deleted, j.Tables)
	if j.ReanalysedEngine > 0 {
		fmt.Fprintf(w, "; %d of the views analysed only because an engine with another lineage version had analysed them", j.ReanalysedEngine)
	}
	fmt.Fprintln(w)
	for _, msg := range j.Errors {
		fmt.Fprintf(w, "  failed: %s\n", msg)
	}
	for _, f := range j.Skipped {
		fmt.Fprintf(w, "  skipped: %s\n", f)
	}
	if len(j.Joined) > 0 {
		fmt.Fprintf(w, "  some views were written by job(s) already running the same work: %s\n", strings.Join(j.Joined, ", "))
	}
	if unit == unitStatements {
		fmt.Fprintf(w, "%s: %d statements (%d failed), %d edges\n", source, c.Statements, c.FailedStatements, c.StatementEdges)
		return nil
	}
	fmt.Fprintf(w, "%s: %d views (%d failed, %d hidden), %d columns, %d edges\n", source, c.Views, c.Failed, c.Hidden, c.Columns, c.Edges)
	return nil
}

const unitStatements = "statements"

// unitOf is what a refresh of source analyses: statements for a query-history source, views
// (defined datasets) otherwise.
func unitOf(source string) string {
	if kind, _, _ := strings.Cut(source, ":"); kind == SourceQueryLog || kind == SourceSnowflakeQueries {
		return unitStatements
	}
	return "views"
}
