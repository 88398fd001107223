package auth

import (
	"context"
	"log/slog"
)

// Audit outcomes.
const (
	OutcomeSuccess = "success" // a write that completed (status < 400)
	OutcomeFailure = "failure" // a write that was authorized but failed
	OutcomeDenied  = "denied"  // authentication or authorization refused

	// ReasonRequestAbandoned: the handler finished after the request's deadline or after the
	// client left, so whatever it answered reached no one (outcome failure).
	ReasonRequestAbandoned = "request_abandoned"
)

// AuditEvent is one audit record.
type AuditEvent struct {
	Principal string // Principal.ID, or "" when unauthenticated
	Name      string
	Role      Role
	Method    string // jwt, apikey, none, cli
	Action    string // "POST /api/v1/lineage/analyze", "apikey.create"
	Resource  string // the request path or the object acted on
	Outcome   string
	Status    int // HTTP status, 0 outside HTTP
	Reason    string
	Detail    string // internal cause; never a credential
	RequestID string
	RemoteIP  string
}

// Auditor writes audit records to its own logger: every record carries
// logger=audit so a log shipper can route them separately.
type Auditor struct{ logger *slog.Logger }

// NewAuditor writes through base (typically the process's JSON handler).
func NewAuditor(base *slog.Logger) *Auditor {
	return &Auditor{logger: base.With(slog.String("logger", "audit"))}
}

// Record writes one event at INFO (denials at WARN).
func (a *Auditor) Record(ctx context.Context, ev AuditEvent) {
	if a == nil {
		return
	}
	level := slog.LevelInfo
	if ev.Outcome == OutcomeDenied {
		level = slog.LevelWarn
	}
	attrs := []slog.Attr{
		slog.String("principal", ev.Principal),
		slog.String("principal_name", ev.Name),
		slog.String("role", ev.Role.String()),
		slog.String("auth_method", ev.Method),
		slog.String("action", ev.Action),
		slog.String("resource", ev.Resource),
		slog.String("outcome", ev.Outcome),
	}
	if ev.Status != 0 {
		attrs = append(attrs, slog.Int("status", ev.Status))
	}
	if ev.Reason != "" {
		attrs = append(attrs, slog.String("reason", ev.Reason))
	}
	if ev.Detail != "" {
		attrs = append(attrs, slog.String("detail", ev.Detail))
	}
	if ev.RequestID != "" {
		attrs = append(attrs, slog.String("request_id", ev.RequestID))
	}
	if ev.RemoteIP != "" {
		attrs = append(attrs, slog.String("remote_ip", ev.RemoteIP))
	}
	a.logger.LogAttrs(ctx, level, "audit", attrs...)
}
