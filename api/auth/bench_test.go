package auth

import (
	"context"
	"testing"
	"time"
)

// BenchmarkVerifyJWT: a token seen before (remembered): hash and map lookup.
func BenchmarkVerifyJWT(b *testing.B) { benchVerify(b, false) }

// BenchmarkVerifyJWTUncached: full RS256 verification and claim checks each
// time (the JWKS itself stays cached).
func BenchmarkVerifyJWTUncached(b *testing.B) { benchVerify(b, true) }

func benchVerify(b *testing.B, forget bool) {
	k1 := newSigningKey(b, "k1")
	is := newIssuer(b, k1)
	logger, _ := testLogger()
	v, err := NewVerifier(defaultJWTConfig(b), NewKeySet(KeySetConfig{URL: is.url()}, logger))
	if err != nil {
		b.Fatal(err)
	}
	tok := k1.sign(b, claims(nil))
	ctx := context.Background()
	if _, err := v.Verify(ctx, tok); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if forget {
			v.mu.Lock()
			clear(v.verified)
			v.mu.Unlock()
		}
		if _, err := v.Verify(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAPIKeyVerify: one HGETALL on the shared Redis plus the hash compare.
func BenchmarkAPIKeyVerify(b *testing.B) {
	rdb, prefix := testRedis(b)
	s := NewKeyStore(rdb, prefix)
	ctx := context.Background()
	_, key, err := s.Create(ctx, "bench", RoleViewer)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Verify(ctx, key); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLimiterHit: one Lua round trip to the shared Redis.
func BenchmarkLimiterHit(b *testing.B) {
	rdb, prefix := testRedis(b)
	l := NewLimiter(rdb, prefix)
	ctx := context.Background()
	lim := Limit{N: 1 << 30, Window: time.Minute}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.Hit(ctx, "bench", lim); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMiddlewareJWT: a whole authenticated GET through the security
// layer over loopback HTTP (IP peek, JWT, role, principal rate limit).
func BenchmarkMiddlewareJWT(b *testing.B) {
	k1 := newSigningKey(b, "k1")
	is := newIssuer(b, k1)
	rdb, prefix := testRedis(b)
	logger, _ := testLogger()
	s := startSite(b, siteOptions{
		keys: NewKeySet(KeySetConfig{URL: is.url()}, logger), jwt: defaultJWTConfig(b),
		limiter: NewLimiter(rdb, prefix), principal: Limit{N: 1 << 30, Window: time.Minute}, anon: Limit{N: 1 << 30, Window: time.Minute},
	})
	h := bearer(k1.sign(b, claims(nil)))
	b.ReportAllocs()
	for b.Loop() {
		if r := call(b, "GET", s.url+"/api/v1/lineage/columns", h); r.status != 200 {
			b.Fatal(r.status)
		}
	}
}
