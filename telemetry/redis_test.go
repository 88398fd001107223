package telemetry

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/codes"
)

func TestRedisHookTracesCommandsInsideSpans(t *testing.T) {
	rdb := newRedis(t)
	p, exp := recorder()
	rdb.AddHook(RedisHook(p, rdb.Options().Addr))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	key := unique(t, "tributary:test:otel:")
	t.Cleanup(func() { rdb.Del(context.Background(), key) })

	// Outside a span: nothing recorded (asynq's polling stays out of traces).
	if err := rdb.Set(ctx, key, "v", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	if spans := exp.GetSpans(); len(spans) != 0 {
		t.Fatalf("untraced commands recorded spans: %v", names(spans))
	}

	pctx, parent := p.Tracer.Tracer("test").Start(ctx, "request")
	if v, err := rdb.Get(pctx, key).Result(); err != nil || v != "v" {
		t.Fatalf("get: %q, %v", v, err)
	}
	if err := rdb.Get(pctx, key+":missing").Err(); !errors.Is(err, redis.Nil) {
		t.Fatalf("get missing: %v", err)
	}
	if _, err := rdb.Pipelined(pctx, func(pipe redis.Pipeliner) error {
		pipe.Incr(pctx, key+":n")
		pipe.Expire(pctx, key+":n", time.Minute)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdb.Del(context.Background(), key+":n") })
	if err := rdb.Do(pctx, "NOSUCHCOMMAND").Err(); err == nil {
		t.Fatal("unknown command succeeded")
	}
	parent.End()

	n := byName(exp.GetSpans())
	if len(n["redis GET"]) != 2 {
		t.Fatalf("%d GET spans, want 2: %v", len(n["redis GET"]), names(exp.GetSpans()))
	}
	for _, s := range n["redis GET"] {
		if s.Parent.SpanID() != parent.SpanContext().SpanID() {
			t.Error("GET span is not a child of the request span")
		}
		if s.Status.Code == codes.Error {
			t.Errorf("GET span failed (a missing key is not an error): %s", s.Status.Description)
		}
		if attr(s, "db.system.name") != "redis" || attr(s, "db.operation.name") != "GET" {
			t.Errorf("GET span attributes: %v", s.Attributes)
		}
	}
	if len(n["redis pipeline"]) != 1 || attr(n["redis pipeline"][0], "db.operation.batch.size") != "2" {
		t.Fatalf("pipeline spans: %v", n["redis pipeline"])
	}
	if got := attr(n["redis pipeline"][0], "redis.pipeline.commands"); got != `["INCR","EXPIRE"]` {
		t.Errorf("pipeline commands = %s", got)
	}
	bad := n["redis NOSUCHCOMMAND"]
	if len(bad) != 1 || bad[0].Status.Code != codes.Error {
		t.Errorf("unknown command span: %v", bad)
	}
	// Command arguments (keys, cached payloads) never appear in attributes.
	for _, s := range exp.GetSpans() {
		for _, a := range s.Attributes {
			if v := a.Value.Emit(); slices.Contains([]string{key, "v"}, v) {
				t.Errorf("span %q attribute %s holds a command argument", s.Name, a.Key)
			}
		}
	}
}
