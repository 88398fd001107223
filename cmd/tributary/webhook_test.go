package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/tributary-lineage/tributary/internal/graphtest"
)

func TestWebhooksFromEnv(t *testing.T) {
	get := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	c, err := webhooksFromEnv(get(nil))
	if c != nil || err != nil {
		t.Errorf("unset: %v, %v; want no webhooks", c, err)
	}
	c, err = webhooksFromEnv(get(map[string]string{envWebhookURLs: " https://a.example/h , http://127.0.0.1:9/x,", envWebhookSecret: "s3",
		envWebhookTimeout: "3s", envWebhookMaxRetry: "4"}))
	if err != nil || len(c.URLs) != 2 || c.URLs[0] != "https://a.example/h" || c.URLs[1] != "http://127.0.0.1:9/x" ||
		c.Secret != "s3" || c.Timeout != 3*time.Second || c.MaxRetry != 4 {
		t.Errorf("configured: %+v, %v", c, err)
	}
	for name, m := range map[string]map[string]string{
		"no secret":   {envWebhookURLs: "https://a.example/h"},
		"bad url":     {envWebhookURLs: "a.example/h", envWebhookSecret: "s"},
		"bad timeout": {envWebhookURLs: "https://a.example/h", envWebhookSecret: "s", envWebhookTimeout: "soon"},
		"bad retries": {envWebhookURLs: "https://a.example/h", envWebhookSecret: "s", envWebhookMaxRetry: "0"},
	} {
		if _, err := webhooksFromEnv(get(m)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	code, _, stderr := runCmd(t, testEnv(map[string]string{envWebhookURLs: "https://a.example/h", envWebhookSecret: "", envRefreshCron: ""}), "worker")
	if code != exitUsage || !strings.Contains(stderr, "secret") {
		t.Errorf("worker without a webhook secret: exit %d, %q", code, stderr)
	}
}

// A refresh posts one signed event per view it adds, whether the worker runs it (ingest
// --wait) or `ingest --inline` does: inline runs enqueue the same deliveries, which a worker
// then makes.
func TestChangeEventsFromWorkerAndInlineRefreshes(t *testing.T) {
	for _, inline := range []bool{false, true} {
		name := map[bool]string{false: "worker", true: "inline"}[inline]
		t.Run(name, func(t *testing.T) { testChangeEvents(t, inline) })
	}
}

func testChangeEvents(t *testing.T, inline bool) {
	const secret = "cmd-webhook-secret"
	var (
		mu     sync.Mutex
		events = map[string]string{} // view -> kind
		bad    []string
	)
	rcv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		m := hmac.New(sha256.New, []byte(secret))
		m.Write(body)
		var e struct {
			Data struct{ View, Kind string }
		}
		mu.Lock()
		defer mu.Unlock()
		if r.Header.Get("X-Tributary-Signature") != "sha256="+hex.EncodeToString(m.Sum(nil)) || json.Unmarshal(body, &e) != nil {
			bad = append(bad, string(body))
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		events[e.Data.View] = e.Data.Kind
	}))
	t.Cleanup(rcv.Close)

	dir, db := smallWarehouse(t)
	queue := uniqueName(t, "tributary-cmd-test-")
	rdb := redis.NewClient(&redis.Options{Addr: envOr("TRIBUTARY_REDIS_ADDR", "127.0.0.1:6379"), Password: envOr("TRIBUTARY_REDIS_PASSWORD", "")})
	t.Cleanup(func() {
		asynq.NewInspectorFromRedisClient(rdb).DeleteQueue(queue, true)
		rdb.Close()
	})
	graphtest.CleanupChangeEvents(t, graphtest.Driver(t), queue)
	env := testEnv(map[string]string{envShutdownTimeout: "5s", envRefreshCron: "",
		envWebhookURLs: rcv.URL + "/hook", envWebhookSecret: secret})
	var w *workerProc
	if inline {
		code, stdout, stderr := runCmd(t, env, "ingest", "--source", "dir:"+dir, "--queue", queue, "--inline")
		if code != exitOK {
			t.Fatalf("ingest --inline: exit %d\n%s\n%s", code, stdout, stderr)
		}
		if !strings.Contains(stdout, "change events queued") {
			t.Errorf("ingest --inline does not say the events are queued:\n%s", stdout)
		}
		// Nothing is posted before a worker takes the deliveries.
		if info, err := asynq.NewInspectorFromRedisClient(rdb).GetQueueInfo(queue); err != nil || info.Pending != 12 {
			t.Fatalf("queue after the inline refresh: %+v, %v; want 12 pending deliveries", info, err)
		}
		w = startWorker(t, env, queue)
	} else {
		w = startWorker(t, env, queue)
		code, stdout, stderr := runCmd(t, env, "ingest", "--source", "dir:"+dir, "--queue", queue, "--wait", "--timeout", "2m")
		if code != exitOK {
			t.Fatalf("ingest --wait: exit %d\n%s\n%s\nworker: %s", code, stdout, stderr, w.logs())
		}
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n, b := len(events), len(bad)
		mu.Unlock()
		if b > 0 {
			t.Fatalf("badly signed events: %v", bad)
		}
		if n >= 12 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of 12 events after 30 s; worker: %s", n, w.logs())
		}
		time.Sleep(50 * time.Millisecond)
	}
	mu.Lock()
	for view, kind := range events {
		if !strings.HasPrefix(view, db+".") || kind != "added" {
			t.Errorf("event %s %s", view, kind)
		}
	}
	mu.Unlock()
	w.stop(t)
	if !strings.Contains(w.out.String(), "change events enabled") {
		t.Errorf("worker log lacks the webhook setup: %s", w.out.String())
	}
}
