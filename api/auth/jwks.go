package auth

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
)

// CognitoIssuer is the issuer (iss) of tokens from a Cognito user pool.
func CognitoIssuer(region, poolID string) string {
	return fmt.Sprintf("https://cognito-idp.%s.amazonaws.com/%s", region, poolID)
}

// CognitoJWKSURL is where a Cognito user pool publishes its signing keys.
func CognitoJWKSURL(region, poolID string) string {
	return CognitoIssuer(region, poolID) + "/.well-known/jwks.json"
}

// Defaults for KeySetConfig.
const (
	DefaultJWKSMinRefresh = 30 * time.Second
	DefaultJWKSMaxAge     = time.Hour
	DefaultJWKSTimeout    = 5 * time.Second
	maxJWKSBytes          = 1 << 20
	minRSABits            = 2048
)

// ErrUnknownKey means no key in the issuer's JWKS has the token's kid, even
// after a refresh (or a refresh was not allowed yet).
var ErrUnknownKey = errors.New("no signing key with this kid")

// KeySetConfig configures a KeySet.
type KeySetConfig struct {
	URL string
	// MinRefresh is the least time between two fetches: a flood of tokens
	// with unknown kids causes at most one fetch per MinRefresh.
	MinRefresh time.Duration
	// MaxAge is how old the cached set may grow before a lookup refetches it
	// (subject to MinRefresh; a failed fetch keeps the old set).
	MaxAge time.Duration
	// Timeout bounds one fetch.
	Timeout time.Duration
	Client  *http.Client
}

// KeySet is the issuer's RS256 signing keys by kid, fetched from its JWKS
// URL, cached, and refetched when a token names an unknown kid, at most once
// per MinRefresh. Safe for concurrent use.
type KeySet struct {
	cfg    KeySetConfig
	logger *slog.Logger

	mu      sync.RWMutex
	keys    map[string]*rsa.PublicKey
	fetched time.Time // last successful fetch

	refresh     sync.Mutex // one fetch at a time
	lastAttempt time.Time  // guarded by refresh
	// lastKidRefresh is the last fetch caused by an unknown kid; guarded by refresh.
	lastKidRefresh time.Time
	now            func() time.Time
}

// NewKeySet returns a key set that fetches lazily, on the first lookup.
func NewKeySet(cfg KeySetConfig, logger *slog.Logger) *KeySet {
	if cfg.MinRefresh <= 0 {
		cfg.MinRefresh = DefaultJWKSMinRefresh
	}
	if cfg.MaxAge <= 0 {
		cfg.MaxAge = DefaultJWKSMaxAge
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultJWKSTimeout
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: cfg.Timeout}
	}
	return &KeySet{cfg: cfg, logger: logger, now: time.Now}
}

// Key returns the RSA public key with this kid, refreshing the set when the
// kid is unknown or the set is stale and the refresh interval allows it.
func (k *KeySet) Key(ctx context.Context, kid string) (*rsa.PublicKey, error) {
	key, fresh := k.lookup(kid)
	if key != nil && fresh {
		return key, nil
	}
	if err := k.maybeRefresh(ctx, key == nil); err != nil && key == nil {
		return nil, err
	}
	if key, _ = k.lookup(kid); key != nil {
		return key, nil
	}
	return nil, fmt.Errorf("kid %q: %w", kid, ErrUnknownKey)
}

// Has reports whether the cached set holds kid (no fetching).
func (k *KeySet) Has(kid string) bool {
	k.mu.RLock()
	defer k.mu.RUnlock()
	_, ok := k.keys[kid]
	return ok
}

func (k *KeySet) lookup(kid string) (*rsa.PublicKey, bool) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.keys[kid], !k.fetched.IsZero() && k.now().Sub(k.fetched) < k.cfg.MaxAge
}

// Refresh fetches the set now, regardless of the refresh interval (used at
// start to fail early on a wrong URL).
func (k *KeySet) Refresh(ctx context.Context) error {
	k.refresh.Lock()
	defer k.refresh.Unlock()
	k.lastAttempt = k.now()
	return k.fetch(ctx)
}

// maybeRefresh fetches when the refresh interval allows it. Two budgets: a
// refresh for an unknown kid may happen once per MinRefresh, counted from
// the last unknown-kid refresh (so the first rotation after start is picked
// up at once); first and stale fetches, once per MinRefresh from the last
// attempt. Callers that waited on a concurrent fetch use its result.
func (k *KeySet) maybeRefresh(ctx context.Context, missing bool) error {
	before := k.fetchedAt()
	k.refresh.Lock()
	defer k.refresh.Unlock()
	if k.fetchedAt() != before {
		return nil // someone fetched while we waited
	}
	now := k.now()
	last := k.lastAttempt
	if missing && !before.IsZero() {
		last = k.lastKidRefresh
	}
	if !last.IsZero() && now.Sub(last) < k.cfg.MinRefresh {
		if missing {
			return fmt.Errorf("%w (JWKS refetch not allowed for another %s)", ErrUnknownKey,
				(k.cfg.MinRefresh - now.Sub(last)).Round(time.Millisecond))
		}
		return nil
	}
	k.lastAttempt = now
	if missing && !before.IsZero() {
		k.lastKidRefresh = now
	}
	return k.fetch(ctx)
}

func (k *KeySet) fetchedAt() time.Time {
	k.mu.RLock()
	defer k.mu.RUnlock()
	return k.fetched
}

func (k *KeySet) fetch(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, k.cfg.Timeout)
	defer cancel()
	keys, err := k.get(ctx)
	if err != nil {
		k.logger.WarnContext(ctx, "jwks fetch failed", "url", k.cfg.URL, "error", err.Error())
		return err
	}
	k.mu.Lock()
	k.keys = keys
	k.fetched = k.now()
	k.mu.Unlock()
	k.logger.InfoContext(ctx, "jwks fetched", "url", k.cfg.URL, "keys", len(keys))
	return nil
}

func (k *KeySet) get(ctx context.Context) (map[string]*rsa.PublicKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, k.cfg.URL, nil)
	if err != nil {
		return nil, fmt.Errorf("jwks request %s: %w", k.cfg.URL, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := k.cfg.Client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch jwks: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch jwks %s: status %d", k.cfg.URL, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read jwks %s: %w", k.cfg.URL, err)
	}
	if len(body) > maxJWKSBytes {
		return nil, fmt.Errorf("jwks %s is larger than %d bytes", k.cfg.URL, maxJWKSBytes)
	}
	return parseRSAKeys(body)
}

// parseRSAKeys keeps the RSA signing keys that have a kid and at least 2048
// bits; keys for other algorithms or uses are ignored.
func parseRSAKeys(body []byte) (map[string]*rsa.PublicKey, error) {
	set, err := jwk.Parse(body)
	if err != nil {
		return nil, fmt.Errorf("parse jwks: %w", err)
	}
	keys := make(map[string]*rsa.PublicKey, set.Len())
	for i := range set.Len() {
		key, _ := set.Key(i)
		if key.KeyType() != "RSA" || key.KeyID() == "" {
			continue
		}
		if u := key.KeyUsage(); u != "" && u != string(jwk.ForSignature) {
			continue
		}
		if a := key.Algorithm(); a != nil && a.String() != "" && a.String() != jwa.RS256.String() {
			continue
		}
		var pub rsa.PublicKey
		if err := key.Raw(&pub); err != nil {
			return nil, fmt.Errorf("jwks key %q: %w", key.KeyID(), err)
		}
		if pub.N.BitLen() < minRSABits {
			continue
		}
		keys[key.KeyID()] = &pub
	}
	return keys, nil
}
