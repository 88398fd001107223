package ingest

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/hibiken/asynq"

	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/telemetry"
)

// TypeWebhook delivers one change record to one webhook URL.
const TypeWebhook = "lineage:webhook"

// Webhook HTTP headers.
const (
	HeaderSignature = "X-Tributary-Signature" // "sha256=" + hex HMAC-SHA256 of the raw body
	HeaderTimestamp = "X-Tributary-Timestamp" // unix seconds of this delivery attempt (also in the body)
	HeaderEventID   = "X-Tributary-Event-Id"  // the event id (also in the body)
	HeaderAttempt   = "X-Tributary-Attempt"   // 1 for the first delivery, 2 for the first retry, ...
)

// EventViewChanged is the type of the events webhooks receive.
const EventViewChanged = "lineage.view.changed"

// Webhook defaults.
const (
	DefaultWebhookTimeout   = 10 * time.Second
	DefaultWebhookMaxRetry  = 10
	DefaultWebhookRetention = 24 * time.Hour
	DefaultWebhookBaseDelay = 10 * time.Second
	DefaultWebhookMaxDelay  = time.Hour
	// The outbox sweep: how often it runs, after how long an event handed on but still
	// unsettled is handed on again (a no-op while its task exists), how long settled events
	// are kept, and how many events one page of a sweep reads.
	DefaultOutboxInterval  = 15 * time.Second
	DefaultOutboxRequeue   = 10 * time.Minute
	DefaultOutboxRetention = 7 * 24 * time.Hour
	outboxPage             = 500
)

// WebhookConfig configures change-event delivery.
type WebhookConfig struct {
	URLs   []string
	Secret string // HMAC key of the signature; required
	// Queue is the asynq queue of the delivery tasks (DefaultQueue when empty).
	Queue string
	// Timeout bounds each HTTP request (DefaultWebhookTimeout when 0).
	Timeout time.Duration
	// MaxRetry is the number of retries after the first attempt (DefaultWebhookMaxRetry when 0).
	MaxRetry int
	// Retention keeps a delivered task, so its id stays taken and a duplicate enqueue stays a
	// no-op, for this long (DefaultWebhookRetention when 0).
	Retention time.Duration
	// OutboxInterval, OutboxRequeue and OutboxRetention tune the outbox sweep (Run); the
	// Default* values when 0.
	OutboxInterval, OutboxRequeue, OutboxRetention time.Duration
}

// Validate checks the URLs (absolute http or https) and that a secret is set.
func (c WebhookConfig) Validate() error {
	if len(c.URLs) == 0 {
		return errors.New("webhooks: no URL")
	}
	if c.Secret == "" {
		return errors.New("webhooks: a secret is required to sign events")
	}
	for _, u := range c.URLs {
		p, err := url.Parse(u)
		if err != nil {
			return fmt.Errorf("webhook URL %q: %w", u, err)
		}
		if (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return fmt.Errorf("webhook URL %q: want an absolute http or https URL", u)
		}
	}
	return nil
}

// WebhookPayload is a delivery task's payload: the event for one URL. The secret is not in it.
type WebhookPayload struct {
	EventID string          `json:"eventId"`
	URL     string          `json:"url"`
	Data    json.RawMessage `json:"data"` // the ChangeRecord
}

// Event is the JSON body a webhook receives.
type Event struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`      // EventViewChanged
	Timestamp int64           `json:"timestamp"` // unix seconds of this delivery attempt
	Attempt   int             `json:"attempt"`
	Data      json.RawMessage `json:"data"` // a ChangeRecord
}

// NewWebhookTask returns a delivery task whose id is derived from the event id and the URL, so
// enqueueing the same delivery twice is a no-op.
func NewWebhookTask(ctx context.Context, p WebhookPayload, opts ...asynq.Option) (*asynq.Task, error) {
	if p.EventID == "" || p.URL == "" || len(p.Data) == 0 {
		return nil, errors.New("webhook task: event id, URL and data are required")
	}
	b, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("webhook task: %w", err)
	}
	opts = append([]asynq.Option{asynq.TaskID(WebhookTaskID(p.EventID, p.URL))}, opts...)
	return asynq.NewTaskWithHeaders(TypeWebhook, b, telemetry.TaskHeaders(ctx), opts...), nil
}

// WebhookTaskID is "webhook:<event id>:" and a hash of the URL.
func WebhookTaskID(eventID, url string) string {
	return "webhook:" + eventID + ":" + urlTarget(url)
}

// urlTarget names a URL in task ids and in the outbox without storing it (it may hold a token).
func urlTarget(url string) string {
	sum := sha256.Sum256([]byte(url))
	return hex.EncodeToString(sum[:8])
}

// Sign returns the X-Tributary-Signature value of body: "sha256=" and the hex HMAC-SHA256 of
// body keyed with secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// VerifySignature reports whether sig (a header value) is body's signature with secret,
// comparing in constant time.
func VerifySignature(secret string, body []byte, sig string) bool {
	return hmac.Equal([]byte(Sign(secret, body)), []byte(sig))
}

// Outbox is the graph's store of change events (*graph.Store): written in the write
// transactions (graph.EventsFunc), read and settled here.
type Outbox interface {
	PendingChangeEvents(ctx context.Context, queue string, queuedBefore time.Time, limit int) ([]graph.ChangeEvent, error)
	MarkChangeEventsQueued(ctx context.Context, ids []string, at time.Time) error
	SettleChangeEvent(ctx context.Context, id, target string, failed bool, targets []string, at time.Time) error
	PruneChangeEvents(ctx context.Context, queue string, before time.Time, limit int) (int, error)
	ChangeEventCounts(ctx context.Context, queue string) (graph.OutboxCounts, error)
}

// Webhooks makes the outbox events of change records, hands them to the job queue as delivery
// tasks, delivers them and records each delivery's outcome in the outbox.
type Webhooks struct {
	cfg     WebhookConfig
	client  *asynq.Client
	outbox  Outbox
	http    *http.Client
	log     *slog.Logger
	targets []string // urlTarget of each URL

	mu   sync.Mutex
	last graph.OutboxCounts // what the last sweep found
}

// NewWebhooks returns webhooks storing their events in outbox, enqueueing through client (nil:
// a handler only) and posting with httpClient (nil: a client with cfg.Timeout that follows no
// redirects).
func NewWebhooks(cfg WebhookConfig, client *asynq.Client, outbox Outbox, httpClient *http.Client, log *slog.Logger) (*Webhooks, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if outbox == nil {
		return nil, errors.New("webhooks: an outbox is required")
	}
	if cfg.Queue == "" {
		cfg.Queue = DefaultQueue
	}
	if cfg.MaxRetry <= 0 {
		cfg.MaxRetry = DefaultWebhookMaxRetry
	}
	for _, d := range []struct {
		v   *time.Duration
		def time.Duration
	}{
		{&cfg.Timeout, DefaultWebhookTimeout}, {&cfg.Retention, DefaultWebhookRetention},
		{&cfg.OutboxInterval, DefaultOutboxInterval}, {&cfg.OutboxRequeue, DefaultOutboxRequeue},
		{&cfg.OutboxRetention, DefaultOutboxRetention},
	} {
		if *d.v <= 0 {
			*d.v = d.def
		}
	}
	if httpClient == nil {
		httpClient = &http.Client{
			Timeout:       cfg.Timeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	w := &Webhooks{cfg: cfg, client: client, outbox: outbox, http: httpClient, log: log}
	for _, u := range cfg.URLs {
		w.targets = append(w.targets, urlTarget(u))
	}
	return w, nil
}

// Register adds the delivery handler to mux.
func (w *Webhooks) Register(mux *asynq.ServeMux) {
	mux.HandleFunc(TypeWebhook, w.HandleWebhookTask)
}

// Events makes the outbox events of records, on the webhooks' queue: the event id is the
// record's EventID and the payload its JSON.
func (w *Webhooks) Events(records []ChangeRecord) ([]graph.ChangeEvent, error) {
	out := make([]graph.ChangeEvent, 0, len(records))
	for _, r := range records {
		data, err := json.Marshal(r)
		if err != nil {
			return nil, fmt.Errorf("event for %s: %w", r.View, err)
		}
		out = append(out, graph.ChangeEvent{ID: r.EventID(), Queue: w.cfg.Queue, Payload: data, Created: r.At})
	}
	return out, nil
}

// Publish hands outbox events to the job queue: one delivery task per event and URL (a
// delivery whose task exists already is skipped: same event id and URL), then marks the events
// all of whose tasks are queued. It returns the errors, joined, after trying them all; an event
// not marked stays pending in the outbox and a later sweep hands it on again.
func (w *Webhooks) Publish(ctx context.Context, events []graph.ChangeEvent) error {
	var (
		errs   []error
		queued []string
	)
	for _, e := range events {
		ok := true
		for _, u := range w.cfg.URLs {
			t, err := NewWebhookTask(ctx, WebhookPayload{EventID: e.ID, URL: u, Data: e.Payload})
			if err == nil {
				_, err = w.client.EnqueueContext(ctx, t, asynq.Queue(w.cfg.Queue), asynq.MaxRetry(w.cfg.MaxRetry),
					asynq.Retention(w.cfg.Retention), asynq.Timeout(w.cfg.Timeout+5*time.Second))
			}
			if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
				errs = append(errs, fmt.Errorf("enqueue webhook %s: %w", e.ID, err))
				ok = false
			}
		}
		if ok {
			queued = append(queued, e.ID)
		}
	}
	if err := w.outbox.MarkChangeEventsQueued(ctx, queued, time.Now()); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Run sweeps the outbox every OutboxInterval until ctx ends: it hands on the events that no
// delivery task carries yet (their write committed but the enqueue after it failed, or the job
// Redis lost the task), prunes events settled longer than OutboxRetention ago, and records
// what remains undelivered (LastSweep). Every worker serving the queue may run it: enqueueing a
// delivery twice is a no-op.
func (w *Webhooks) Run(ctx context.Context) {
	t := time.NewTicker(w.cfg.OutboxInterval)
	defer t.Stop()
	for {
		if _, err := w.Sweep(ctx); err != nil && ctx.Err() == nil {
			w.log.WarnContext(ctx, "change event outbox sweep failed; retrying at the next sweep", "queue", w.cfg.Queue, "error", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Sweep is one pass of Run; it returns the outbox's state after the pass.
func (w *Webhooks) Sweep(ctx context.Context) (graph.OutboxCounts, error) {
	now := time.Now()
	for {
		evs, err := w.outbox.PendingChangeEvents(ctx, w.cfg.Queue, now.Add(-w.cfg.OutboxRequeue), outboxPage)
		if err != nil {
			return graph.OutboxCounts{}, err
		}
		if len(evs) == 0 {
			break
		}
		if err := w.Publish(ctx, evs); err != nil {
			return graph.OutboxCounts{}, fmt.Errorf("hand %d pending change events on: %w", len(evs), err)
		}
		w.log.InfoContext(ctx, "pending change events handed on", "queue", w.cfg.Queue, "events", len(evs))
		if len(evs) < outboxPage {
			break
		}
	}
	for {
		n, err := w.outbox.PruneChangeEvents(ctx, w.cfg.Queue, now.Add(-w.cfg.OutboxRetention), outboxPage)
		if err != nil {
			return graph.OutboxCounts{}, err
		}
		if n < outboxPage {
			break
		}
	}
	c, err := w.outbox.ChangeEventCounts(ctx, w.cfg.Queue)
	if err != nil {
		return graph.OutboxCounts{}, err
	}
	w.mu.Lock()
	prev := w.last
	w.last = c
	w.mu.Unlock()
	if c.Failed > prev.Failed {
		w.log.WarnContext(ctx, "change events not delivered to every webhook (refused or retries exhausted)",
			"queue", w.cfg.Queue, "failed", c.Failed, "pending", c.Pending)
	}
	return c, nil
}

// LastSweep is the outbox's state found by the last successful sweep.
func (w *Webhooks) LastSweep() graph.OutboxCounts {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.last
}

// HandleWebhookTask posts the event to its URL, signed. A 2xx answer delivers it; 408, 429,
// 5xx, timeouts and connection errors are retried with backoff (RetryDelay); any other answer
// is permanent (asynq.SkipRetry): retrying cannot help.
func (w *Webhooks) HandleWebhookTask(ctx context.Context, t *asynq.Task) error {
	var p WebhookPayload
	if err := json.Unmarshal(t.Payload(), &p); err != nil {
		return fmt.Errorf("webhook payload: %v: %w", err, asynq.SkipRetry)
	}
	n, _ := asynq.GetRetryCount(ctx)
	now := time.Now().UTC().Unix()
	body, err := json.Marshal(Event{ID: p.EventID, Type: EventViewChanged, Timestamp: now, Attempt: n + 1, Data: p.Data})
	if err != nil {
		return fmt.Errorf("webhook body: %v: %w", err, asynq.SkipRetry)
	}
	rctx, cancel := context.WithTimeout(ctx, w.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost, p.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("webhook %s: %v: %w", p.EventID, err, asynq.SkipRetry)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Tributary-Webhook/1")
	req.Header.Set(HeaderSignature, Sign(w.cfg.Secret, body))
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(now, 10))
	req.Header.Set(HeaderEventID, p.EventID)
	req.Header.Set(HeaderAttempt, strconv.Itoa(n+1))
	err = w.post(req, p, n+1)
	// A delivery that succeeded, failed for good or used its last retry is settled for this URL.
	maxRetry, _ := asynq.GetMaxRetry(ctx)
	if final := err == nil || errors.Is(err, asynq.SkipRetry) || n >= maxRetry; final {
		if serr := w.outbox.SettleChangeEvent(context.WithoutCancel(ctx), p.EventID, urlTarget(p.URL), err != nil, w.targets, time.Now()); serr != nil {
			// The event stays pending; a later sweep hands it on again (at least once).
			w.log.ErrorContext(ctx, "record webhook outcome", "event", p.EventID, "error", serr.Error())
		}
	}
	return err
}

// post sends req and maps the answer: nil when delivered, a plain error to retry, or one
// wrapping asynq.SkipRetry when retrying cannot help.
func (w *Webhooks) post(req *http.Request, p WebhookPayload, attempt int) error {
	resp, err := w.http.Do(req)
	if err != nil {
		return fmt.Errorf("webhook %s to %s: %w", p.EventID, redactURL(p.URL), err) // retried
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	switch c := resp.StatusCode; {
	case c >= 200 && c < 300:
		w.log.InfoContext(req.Context(), "webhook delivered", "event", p.EventID, "url", redactURL(p.URL), "status", c, "attempt", attempt)
		return nil
	case c == http.StatusRequestTimeout || c == http.StatusTooManyRequests || c >= 500:
		return fmt.Errorf("webhook %s to %s: HTTP %d", p.EventID, redactURL(p.URL), c)
	default:
		return fmt.Errorf("webhook %s to %s: HTTP %d: %w", p.EventID, redactURL(p.URL), c, asynq.SkipRetry)
	}
}

// redactURL drops user info and the query (they may hold tokens) from logged URLs.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User, u.RawQuery, u.Fragment = nil, "", ""
	return u.String()
}

// RetryDelay returns the asynq.RetryDelayFunc of a worker: webhook deliveries back off
// exponentially (base·2^n, at most max, plus up to 10% jitter); other tasks keep asynq's
// default.
func RetryDelay(base, max time.Duration) asynq.RetryDelayFunc {
	if base <= 0 {
		base = DefaultWebhookBaseDelay
	}
	if max <= 0 {
		max = DefaultWebhookMaxDelay
	}
	return func(n int, err error, t *asynq.Task) time.Duration {
		if t.Type() != TypeWebhook {
			return asynq.DefaultRetryDelayFunc(n, err, t)
		}
		return webhookDelay(base, max, n) + time.Duration(rand.Int64N(int64(webhookDelay(base, max, n)/10)+1))
	}
}

// webhookDelay is base·2^n, capped at max.
func webhookDelay(base, max time.Duration, n int) time.Duration {
	d := base
	for range n {
		if d >= max/2 {
			return max
		}
		d *= 2
	}
	return min(d, max)
}
