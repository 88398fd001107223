package telemetry

import (
	"context"

	"github.com/hibiken/asynq"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// TaskHeaders returns asynq task headers carrying the trace context of ctx (W3C traceparent
// and tracestate), so a task enqueued during a traced request or task continues that trace in
// the worker (TaskMiddleware extracts it). The task constructors of ingest and export call it:
//
//	task := asynq.NewTaskWithHeaders(TypeRefresh, payload, telemetry.TaskHeaders(ctx), opts...)
//
// With no span in ctx (tracing off, or an untraced caller) it returns nil and the task carries
// no headers. The W3C format is a stateless value, so no Provider is needed to write it.
func TaskHeaders(ctx context.Context) map[string]string {
	if !trace.SpanContextFromContext(ctx).IsValid() {
		return nil
	}
	h := map[string]string{}
	propagation.TraceContext{}.Inject(ctx, propagation.MapCarrier(h))
	if len(h) == 0 {
		return nil
	}
	return h
}

// TaskMiddleware runs each task in a consumer span named "asynq TYPE", continuing the trace
// whose context the task's headers carry (see TaskHeaders), else starting a new one. The
// handler's context carries the span, so its Neo4j and Redis calls become children. A failed
// attempt marks the span failed; attributes give the queue, task id and retry count.
//
// With tracing off it passes tasks through untouched.
func TaskMiddleware(p *Provider) asynq.MiddlewareFunc {
	if !p.Enabled() {
		return func(next asynq.Handler) asynq.Handler { return next }
	}
	tracer := p.Tracer.Tracer(ScopeName)
	return func(next asynq.Handler) asynq.Handler {
		return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
			if h := t.Headers(); len(h) > 0 {
				ctx = p.Propagator.Extract(ctx, propagation.MapCarrier(h))
			}
			queue, _ := asynq.GetQueueName(ctx)
			id, _ := asynq.GetTaskID(ctx)
			retry, _ := asynq.GetRetryCount(ctx)
			ctx, span := tracer.Start(ctx, "asynq "+t.Type(),
				trace.WithSpanKind(trace.SpanKindConsumer),
				trace.WithAttributes(
					attribute.String("messaging.system", "asynq"),
					attribute.String("messaging.operation.type", "process"),
					attribute.String("messaging.destination.name", queue),
					attribute.String("messaging.message.id", id),
					attribute.Int("asynq.retry_count", retry),
					attribute.String("asynq.task.type", t.Type()),
				))
			defer span.End()
			err := next.ProcessTask(ctx, t)
			errorStatus(span, err)
			return err
		})
	}
}
