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
	"time"

	"github.com/hibiken/asynq"

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
	sum := sha256.Sum256([]byte(url))
	return "webhook:" + eventID + ":" + hex.EncodeToString(sum[:8])
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

// Webhooks publishes change records as delivery tasks and delivers them.
type Webhooks struct {
	cfg    WebhookConfig
	client *asynq.Client
	http   *http.Client
	log    *slog.Logger
}

// NewWebhooks returns webhooks enqueueing through client (nil: a handler only) and posting
// with httpClient (nil: a client with cfg.Timeout that follows no redirects).
func NewWebhooks(cfg WebhookConfig, client *asynq.Client, httpClient *http.Client, log *slog.Logger) (*Webhooks, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if cfg.Queue == "" {
		cfg.Queue = DefaultQueue
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultWebhookTimeout
	}
	if cfg.MaxRetry <= 0 {
		cfg.MaxRetry = DefaultWebhookMaxRetry
	}
	if cfg.Retention <= 0 {
		cfg.Retention = DefaultWebhookRetention
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
	return &Webhooks{cfg: cfg, client: client, http: httpClient, log: log}, nil
}

// Register adds the delivery handler to mux.
func (w *Webhooks) Register(mux *asynq.ServeMux) {
	mux.HandleFunc(TypeWebhook, w.HandleWebhookTask)
}

// Publish enqueues one delivery task per record and URL. A delivery already enqueued (same
// event id and URL) is skipped. It returns the enqueue errors, joined, after trying them all.
func (w *Webhooks) Publish(ctx context.Context, records []ChangeRecord) error {
	var errs []error
	for _, r := range records {
		data, err := json.Marshal(r)
		if err != nil {
			errs = append(errs, fmt.Errorf("event for %s: %w", r.View, err))
			continue
		}
		id := r.EventID()
		for _, u := range w.cfg.URLs {
			t, err := NewWebhookTask(ctx, WebhookPayload{EventID: id, URL: u, Data: data})
			if err != nil {
				errs = append(errs, err)
				continue
			}
			_, err = w.client.EnqueueContext(ctx, t, asynq.Queue(w.cfg.Queue), asynq.MaxRetry(w.cfg.MaxRetry),
				asynq.Retention(w.cfg.Retention), asynq.Timeout(w.cfg.Timeout+5*time.Second))
			if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
				errs = append(errs, fmt.Errorf("enqueue webhook %s for %s: %w", id, r.View, err))
			}
		}
	}
	return errors.Join(errs...)
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
	resp, err := w.http.Do(req)
	if err != nil {
		return fmt.Errorf("webhook %s to %s: %w", p.EventID, redactURL(p.URL), err) // retried
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // lets the connection be reused
	switch c := resp.StatusCode; {
	case c >= 200 && c < 300:
		w.log.InfoContext(ctx, "webhook delivered", "event", p.EventID, "url", redactURL(p.URL), "status", c, "attempt", n+1)
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
