package main

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/tributary-lineage/tributary/internal/synth"
)

func uniqueName(t *testing.T, prefix string) string {
	b := make([]byte, 5)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return prefix + strings.ToUpper(hex.EncodeToString(b))
}

func TestGenWritesAWarehouse(t *testing.T) {
	out := filepath.Join(t.TempDir(), "wh")
	code, stdout, stderr := runCmd(t, testEnv(nil), "gen", "--views", "30", "--columns", "6", "--depth", "3", "--seed", "9", out)
	if code != exitOK {
		t.Fatalf("gen: exit %d: %s", code, stderr)
	}
	if !strings.Contains(stdout, "30 views in 3 layers") {
		t.Errorf("gen output: %q", stdout)
	}
	var sqlFiles int
	filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(p, ".sql") {
			sqlFiles++
		}
		return err
	})
	if sqlFiles != 30 {
		t.Errorf("%d .sql files, want 30", sqlFiles)
	}
	for _, f := range []string{synth.CatalogFile, synth.CatalogTypesFile} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	// Same flags, same files.
	again := filepath.Join(t.TempDir(), "wh")
	runCmd(t, testEnv(nil), "gen", "--views", "30", "--columns", "6", "--depth", "3", "--seed", "9", again)
	a, _ := os.ReadFile(filepath.Join(out, synth.CatalogFile))
	b, _ := os.ReadFile(filepath.Join(again, synth.CatalogFile))
	if string(a) != string(b) || len(a) == 0 {
		t.Error("gen is not deterministic")
	}
}

func TestIngestAndGenUsage(t *testing.T) {
	env := testEnv(nil)
	for _, tc := range []struct {
		args []string
		err  string
	}{
		{[]string{"gen"}, "OUT_DIR"},
		{[]string{"gen", "--views", "-1", t.TempDir()}, "views must be >= 0"},
		{[]string{"ingest"}, "--source is required"},
		{[]string{"ingest", "--source", "ftp:x"}, "want dir:PATH, dbt:PATH, snowflake, querylog:PATH or snowflake-queries"},
		{[]string{"ingest", "--source", "dir:"}, "want dir:PATH"},
		{[]string{"ingest", "--source", "dbt:"}, "want dbt:PATH"},
		{[]string{"ingest", "--source", "querylog:x.jsonl", "--default-database", "A"}, "apply to dir: sources only, not querylog"},
	} {
		code, _, stderr := runCmd(t, env, tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.err) {
			t.Errorf("%q: exit %d, stderr %q; want %d and %q", tc.args, code, stderr, exitUsage, tc.err)
		}
	}
	if code, _, stderr := runCmd(t, testEnv(map[string]string{envRefreshCron: "every tuesday"}), "worker"); code != exitUsage || !strings.Contains(stderr, envRefreshCron) {
		t.Errorf("worker with a bad cron: exit %d, %q", code, stderr)
	}
}

// smallWarehouse generates a few views in a database of their own.
func smallWarehouse(t *testing.T) (dir, db string) {
	db = uniqueDB(t)
	dir = t.TempDir()
	w := synth.Generate(synth.Options{Views: 12, Columns: 5, Depth: 3, Seed: 3, Database: db})
	if err := synth.WriteDir(dir, w.AllFiles()); err != nil {
		t.Fatal(err)
	}
	return dir, db
}

var countsLine = regexp.MustCompile(`(?m)^dir:.*: 12 views \(0 failed, 0 hidden\), (\d+) columns, (\d+) edges$`)

func TestIngestInline(t *testing.T) {
	dir, _ := smallWarehouse(t)
	if err := os.WriteFile(filepath.Join(dir, "empty.sql"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCmd(t, testEnv(nil), "ingest", "--source", "dir:"+dir, "--inline")
	if code != exitOK {
		t.Fatalf("ingest --inline: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "12 views analysed (0 failed)") || !countsLine.MatchString(stdout) {
		t.Errorf("ingest output:\n%s", stdout)
	}
	if !strings.Contains(stdout, "skipped: empty.sql: empty") {
		t.Errorf("ingest output does not report the empty file:\n%s", stdout)
	}
	// Plain progress lines, not a bar, when stdout is not a terminal.
	if strings.Contains(stdout, "\r") || !strings.Contains(stdout, "done: 12/12 views analysed") {
		t.Errorf("progress output:\n%q", stdout)
	}
	code, stdout, _ = runCmd(t, testEnv(nil), "ingest", "--source", "dir:"+dir, "--inline")
	if code != exitOK || !strings.Contains(stdout, "0 views analysed (0 failed), 12 unchanged") {
		t.Errorf("second ingest: exit %d\n%s", code, stdout)
	}
}

// The worker serves refreshes enqueued by `ingest --wait` and stops on cancellation.
func TestWorkerServesIngest(t *testing.T) {
	dir, _ := smallWarehouse(t)
	queue := uniqueName(t, "tributary-cmd-test-")
	rdb := redis.NewClient(&redis.Options{Addr: envOr("TRIBUTARY_REDIS_ADDR", "127.0.0.1:6379"), Password: envOr("TRIBUTARY_REDIS_PASSWORD", "")})
	t.Cleanup(func() {
		asynq.NewInspectorFromRedisClient(rdb).DeleteQueue(queue, true)
		rdb.Close()
	})
	env := testEnv(map[string]string{envShutdownTimeout: "5s", envRefreshCron: ""})
	w := startWorker(t, env, queue)

	code, stdout, stderr := runCmd(t, env, "ingest", "--source", "dir:"+dir, "--queue", queue, "--wait", "--timeout", "2m")
	if code != exitOK {
		t.Fatalf("ingest --wait: exit %d\n%s\n%s\nworker: %s", code, stdout, stderr, w.logs())
	}
	if !strings.Contains(stdout, "enqueued on queue") || !countsLine.MatchString(stdout) {
		t.Errorf("ingest --wait output:\n%s", stdout)
	}
	w.stop(t)
	if !strings.Contains(w.out.String(), "worker stopped") {
		t.Errorf("worker log lacks the shutdown: %s", w.out.String())
	}
}
