package telemetry

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strings"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// RedisHook returns a go-redis hook that puts each command, pipeline and new connection made
// inside a traced operation in a client span ("redis GET", "redis pipeline", "redis dial"),
// with the command name (never its arguments, which hold cached payloads and keys), the server
// address, and redis.Nil not counted as an error. Calls whose context carries no span are not
// traced: asynq polls Redis every second on the same client, and those polls would otherwise
// each start a trace of their own. Install with rdb.AddHook(telemetry.RedisHook(p, addr)).
func RedisHook(p *Provider, addr string) redis.Hook {
	return &redisHook{tracer: p.Tracer.Tracer(ScopeName), attrs: []attribute.KeyValue{
		attribute.String("db.system.name", "redis"),
		attribute.String("server.address", addr),
	}}
}

// connectionSetup reports whether cmd is part of go-redis's connection handshake.
func connectionSetup(cmd string) bool {
	switch cmd {
	case "HELLO", "AUTH", "CLIENT", "SELECT", "READONLY":
		return true
	}
	return false
}

type redisHook struct {
	tracer trace.Tracer
	attrs  []attribute.KeyValue
}

func (h *redisHook) start(ctx context.Context, name string, attrs ...attribute.KeyValue) (context.Context, trace.Span, bool) {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return ctx, nil, false
	}
	ctx, span := h.tracer.Start(ctx, name, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(h.attrs...), trace.WithAttributes(attrs...))
	return ctx, span, true
}

func (h *redisHook) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		ctx, span, ok := h.start(ctx, "redis dial")
		if !ok {
			return next(ctx, network, addr)
		}
		defer span.End()
		conn, err := next(ctx, network, addr)
		errorStatus(span, err)
		return conn, err
	}
}

func (h *redisHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		op := strings.ToUpper(cmd.Name())
		ctx, span, ok := h.start(ctx, "redis "+op, attribute.String("db.operation.name", op))
		if !ok {
			return next(ctx, cmd)
		}
		defer span.End()
		err := next(ctx, cmd)
		if !errors.Is(err, redis.Nil) {
			errorStatus(span, err)
		}
		return err
	}
}

func (h *redisHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		names := make([]string, 0, len(cmds))
		setup := true
		for _, c := range cmds {
			n := strings.ToUpper(c.Name())
			names = append(names, n)
			setup = setup && connectionSetup(n)
		}
		if setup {
			// The handshake go-redis sends on a new connection (HELLO, AUTH, CLIENT SETINFO,
			// ...): it tolerates some of them failing (old servers), so they are not errors.
			ctx, span, ok := h.start(ctx, "redis connection setup", attribute.StringSlice("redis.pipeline.commands", names))
			if !ok {
				return next(ctx, cmds)
			}
			defer span.End()
			return next(ctx, cmds)
		}
		ctx, span, ok := h.start(ctx, "redis pipeline",
			attribute.String("db.operation.name", "PIPELINE"),
			attribute.Int("db.operation.batch.size", len(cmds)),
			attribute.StringSlice("redis.pipeline.commands", names))
		if !ok {
			return next(ctx, cmds)
		}
		defer span.End()
		err := next(ctx, cmds)
		if !errors.Is(err, redis.Nil) {
			errorStatus(span, err)
		}
		return err
	}
}

// RedisLogger routes go-redis's internal log lines (dial failures, pool events) into the JSON
// logger instead of plain stderr (for redis.SetLogger).
func RedisLogger(logger *slog.Logger) interface {
	Printf(ctx context.Context, format string, v ...any)
} {
	return redisLog{logger: logger}
}

type redisLog struct{ logger *slog.Logger }

func (r redisLog) Printf(ctx context.Context, format string, v ...any) {
	r.logger.WarnContext(ctx, "redis client", "detail", fmt.Sprintf(format, v...))
}
