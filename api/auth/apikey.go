package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// HeaderAPIKey carries an API key.
const HeaderAPIKey = "X-API-Key"

// API key format: trb_<id>_<secret>, id 16 and secret 64 lower-case hex
// digits. The id finds the record; only SHA-256(secret) is stored. The
// secret has 256 random bits, so a fast hash is enough: there is nothing to
// brute-force offline that is cheaper than guessing the secret itself.
const (
	apiKeyPrefix    = "trb_"
	apiKeyIDBytes   = 8
	apiKeySecretLen = 32
)

// ErrNotFound means no API key has the id.
var ErrNotFound = errors.New("api key not found")

// APIKey is a stored key's record; the secret itself is never stored.
type APIKey struct {
	ID        string     `json:"id"`
	Name      string     `json:"name"`
	Role      string     `json:"role"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
}

// KeyStore keeps API keys in Redis: one hash per key at
// <prefix>apikey:<id> (name, role, sha256, created_at, revoked_at) and the
// set of ids at <prefix>apikeys. Redis rather than Neo4j: every request
// with a key does one HGETALL on the hot path, revocation is seen by every
// replica at once, and credentials stay out of the lineage graph, which
// other tools (Browser, exports) read wholesale. Redis must persist (AOF)
// and must not evict (maxmemory-policy noeviction) for keys to be durable.
type KeyStore struct {
	rdb    redis.UniversalClient
	prefix string
	now    func() time.Time
}

// NewKeyStore returns a store under the key prefix (e.g. "tributary:auth:").
func NewKeyStore(rdb redis.UniversalClient, prefix string) *KeyStore {
	return &KeyStore{rdb: rdb, prefix: prefix, now: time.Now}
}

func (s *KeyStore) keyOf(id string) string { return s.prefix + "apikey:" + id }
func (s *KeyStore) setKey() string         { return s.prefix + "apikeys" }

// validKeyName keeps names printable and short: they appear in logs.
func validKeyName(name string) error {
	if name == "" || len(name) > 100 {
		return fmt.Errorf("api key name must be 1-100 bytes, got %d", len(name))
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f || r == '\uFFFD' {
			return fmt.Errorf("api key name %q has a control or invalid character", name)
		}
	}
	return nil
}

// Create makes a key and returns its record and the full key, which is
// shown once and cannot be recovered.
func (s *KeyStore) Create(ctx context.Context, name string, role Role) (APIKey, string, error) {
	if err := validKeyName(name); err != nil {
		return APIKey{}, "", err
	}
	if role < RoleViewer || role > RoleAdmin {
		return APIKey{}, "", fmt.Errorf("api key role %s is not viewer, editor or admin", role)
	}
	idb := make([]byte, apiKeyIDBytes)
	secret := make([]byte, apiKeySecretLen)
	rand.Read(idb)
	rand.Read(secret)
	id := hex.EncodeToString(idb)
	secretHex := hex.EncodeToString(secret)
	sum := sha256.Sum256([]byte(secretHex))
	k := APIKey{ID: id, Name: name, Role: role.String(), CreatedAt: s.now().UTC().Truncate(time.Second)}
	n, err := createScript.Run(ctx, s.rdb, []string{s.keyOf(id), s.setKey()},
		hex.EncodeToString(sum[:]), name, k.Role, k.CreatedAt.Format(time.RFC3339), id).Int()
	if err != nil {
		return APIKey{}, "", fmt.Errorf("create api key %s: %w", id, err)
	}
	if n != 1 {
		// An id collision is astronomically unlikely; never overwrite.
		return APIKey{}, "", fmt.Errorf("create api key: id %s already exists", id)
	}
	return k, apiKeyPrefix + id + "_" + secretHex, nil
}

// createScript writes a key's record and indexes its id, atomically, unless
// the id exists.
var createScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'sha256', ARGV[1], 'name', ARGV[2], 'role', ARGV[3], 'created_at', ARGV[4])
redis.call('SADD', KEYS[2], ARGV[5])
return 1`)

// parseAPIKey splits a presented key; ok is false when it is not in the format.
func parseAPIKey(key string) (id, secret string, ok bool) {
	rest, ok := strings.CutPrefix(key, apiKeyPrefix)
	if !ok {
		return "", "", false
	}
	id, secret, ok = strings.Cut(rest, "_")
	if !ok || len(id) != 2*apiKeyIDBytes || len(secret) != 2*apiKeySecretLen || !isHex(id) || !isHex(secret) {
		return "", "", false
	}
	return id, secret, true
}

func isHex(s string) bool {
	for i := range len(s) {
		c := s[i]
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Verify checks a presented key and returns its principal. Refusals are
// *Failure; a Redis error is returned as is.
func (s *KeyStore) Verify(ctx context.Context, key string) (Principal, error) {
	id, secret, ok := parseAPIKey(key)
	if !ok {
		return Principal{}, fail(ReasonBadAPIKey, errors.New("not in trb_<id>_<secret> format"))
	}
	rec, err := s.rdb.HGetAll(ctx, s.keyOf(id)).Result()
	if err != nil {
		return Principal{}, fmt.Errorf("look up api key %s: %w", id, err)
	}
	stored, err := hex.DecodeString(rec["sha256"])
	sum := sha256.Sum256([]byte(secret))
	// Compare even when the record is missing so both paths cost the same.
	if len(stored) != sha256.Size {
		stored = make([]byte, sha256.Size)
		err = ErrNotFound
	}
	match := subtle.ConstantTimeCompare(stored, sum[:]) == 1
	if err != nil || !match {
		return Principal{}, fail(ReasonBadAPIKey, fmt.Errorf("api key %s: unknown id or wrong secret", id))
	}
	if rec["revoked_at"] != "" {
		return Principal{}, fail(ReasonRevokedAPIKey, fmt.Errorf("api key %s revoked at %s", id, rec["revoked_at"]))
	}
	role, err := ParseRole(rec["role"])
	if err != nil {
		return Principal{}, fail(ReasonNoRole, fmt.Errorf("api key %s: %w", id, err))
	}
	return Principal{ID: "apikey:" + id, Name: rec["name"], Role: role, Method: "apikey"}, nil
}

// List returns every key, revoked ones included, oldest first.
func (s *KeyStore) List(ctx context.Context) ([]APIKey, error) {
	ids, err := s.rdb.SMembers(ctx, s.setKey()).Result()
	if err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	if _, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HGetAll(ctx, s.keyOf(id))
		}
		return nil
	}); err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	out := make([]APIKey, 0, len(ids))
	for i, id := range ids {
		rec := cmds[i].Val()
		if len(rec) == 0 {
			continue
		}
		k := APIKey{ID: id, Name: rec["name"], Role: rec["role"]}
		k.CreatedAt, _ = time.Parse(time.RFC3339, rec["created_at"])
		if r := rec["revoked_at"]; r != "" {
			t, err := time.Parse(time.RFC3339, r)
			if err != nil {
				return nil, fmt.Errorf("api key %s: revoked_at %q: %w", id, r, err)
			}
			k.RevokedAt = &t
		}
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b APIKey) int {
		if c := a.CreatedAt.Compare(b.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// revokeScript marks a key revoked only if it exists and is not revoked yet;
// it returns 0 (no such key), 1 (revoked now) or 2 (already revoked).
var revokeScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if redis.call('HEXISTS', KEYS[1], 'revoked_at') == 1 then return 2 end
redis.call('HSET', KEYS[1], 'revoked_at', ARGV[1])
return 1`)

// Revoke marks the key revoked; requests with it fail from now on, on every
// replica. Revoking twice is not an error; an unknown id is ErrNotFound.
func (s *KeyStore) Revoke(ctx context.Context, id string) error {
	if len(id) != 2*apiKeyIDBytes || !isHex(id) {
		return fmt.Errorf("revoke api key %q: %w", id, ErrNotFound)
	}
	n, err := revokeScript.Run(ctx, s.rdb, []string{s.keyOf(id)}, s.now().UTC().Format(time.RFC3339)).Int()
	if err != nil {
		return fmt.Errorf("revoke api key %s: %w", id, err)
	}
	if n == 0 {
		return fmt.Errorf("revoke api key %s: %w", id, ErrNotFound)
	}
	return nil
}
