package auth

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestRoleMap(t *testing.T) {
	m, err := ParseRoleMap(" data-eng=editor, platform=ADMIN ,scope:tributary/write=editor,*=viewer")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		groups, scopes []string
		want           Role
	}{
		{nil, nil, RoleViewer},
		{[]string{"marketing"}, nil, RoleViewer},
		{[]string{"data-eng"}, nil, RoleEditor},
		{[]string{"data-eng", "platform"}, nil, RoleAdmin},
		{[]string{"Data-Eng"}, nil, RoleViewer}, // group names are case-sensitive
		{nil, []string{"tributary/write"}, RoleEditor},
		{nil, []string{"tributary/read"}, RoleViewer},
	}
	for _, tc := range cases {
		if got := m.Role(tc.groups, tc.scopes); got != tc.want {
			t.Errorf("Role(%v, %v) = %s, want %s", tc.groups, tc.scopes, got, tc.want)
		}
	}
	if got, want := m.String(), "data-eng=editor,platform=admin,scope:tributary/write=editor,*=viewer"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	noDefault, err := ParseRoleMap("data-eng=editor")
	if err != nil {
		t.Fatal(err)
	}
	if got := noDefault.Role([]string{"marketing"}, nil); got != RoleNone {
		t.Errorf("no default: %s", got)
	}
	for _, bad := range []string{"data-eng", "x=owner", "=viewer", "*=viewer,*=admin", "a=viewer,a=admin", "scope:=viewer"} {
		if _, err := ParseRoleMap(bad); err == nil {
			t.Errorf("ParseRoleMap(%q) accepted", bad)
		}
	}
}

func TestParseLimit(t *testing.T) {
	for in, want := range map[string]Limit{"600/1m": {600, time.Minute}, " 5 / 10s ": {5, 10 * time.Second}, "off": {}} {
		got, err := ParseLimit(in)
		if err != nil || got != want {
			t.Errorf("ParseLimit(%q) = %v, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "10", "x/1m", "-1/1m", "10/0s", "10/500ms", "10/48h"} {
		if _, err := ParseLimit(bad); err == nil {
			t.Errorf("ParseLimit(%q) accepted", bad)
		}
	}
}

func TestPolicyFallbacks(t *testing.T) {
	p := DefaultPolicy(PolicyConfig{Health: Public, Metrics: Need(RoleAdmin), Docs: Public})
	cases := []struct {
		method, route string
		want          Access
	}{
		{"GET", "/health", Public},
		{"GET", "/health/detailed", Public},
		{"HEAD", "/health/live", Public},
		{"GET", "/healthz", Need(RoleViewer)}, // not under /health/
		{"GET", "/metrics", Need(RoleAdmin)},
		{"GET", "/api/v1/new-thing", Need(RoleViewer)},
		{"POST", "/api/v1/new-thing", Need(RoleEditor)},
		{"PUT", "/api/v1/new-thing", Need(RoleEditor)},
		{"DELETE", "/api/v1/new-thing", Need(RoleAdmin)},
		{"GET", "/api/v1/data/sources", Need(RoleEditor)},
		{"GET", "/api/v1/apikeys", Need(RoleAdmin)},
		{"OPTIONS", "/api/v1/lineage/columns", Public},
		{"GET", "", Need(RoleViewer)}, // unrouted (404)
	}
	for _, tc := range cases {
		got := p.Access(tc.method, tc.route)
		if got.Public != tc.want.Public || got.Role != tc.want.Role {
			t.Errorf("%s %s: %+v, want %+v", tc.method, tc.route, got, tc.want)
		}
	}
}

func TestKeyStore(t *testing.T) {
	rdb, prefix := testRedis(t)
	ctx := context.Background()
	s := NewKeyStore(rdb, prefix)
	k, secret, err := s.Create(ctx, "airflow prod", RoleEditor)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, "trb_"+k.ID+"_") || len(secret) != 4+16+1+64 {
		t.Fatalf("key %q", secret)
	}
	p, err := s.Verify(ctx, secret)
	if err != nil || p != (Principal{ID: "apikey:" + k.ID, Name: "airflow prod", Role: RoleEditor, Method: "apikey"}) {
		t.Fatalf("verify: %+v %v", p, err)
	}
	// Only the hash is stored: the secret appears nowhere in Redis.
	rec, err := rdb.HGetAll(ctx, prefix+"apikey:"+k.ID).Result()
	if err != nil {
		t.Fatal(err)
	}
	for f, v := range rec {
		if strings.Contains(v, secret[len(secret)-64:]) {
			t.Errorf("field %s holds the secret", f)
		}
	}
	wrong := secret[:len(secret)-1] + string("0123456789abcdef"[(strings.IndexByte("0123456789abcdef", secret[len(secret)-1])+1)%16])
	for name, bad := range map[string]string{
		"wrong secret": wrong, "unknown id": "trb_0000000000000000_" + secret[len(secret)-64:],
		"no prefix": secret[4:], "upper case": strings.ToUpper(secret), "short": secret[:30], "empty": "",
	} {
		var f *Failure
		if _, err := s.Verify(ctx, bad); !errors.As(err, &f) || f.Reason != ReasonBadAPIKey {
			t.Errorf("%s: %v", name, err)
		}
	}
	k2, _, err := s.Create(ctx, "ci", RoleViewer)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Revoke(ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.Revoke(ctx, k.ID); err != nil {
		t.Errorf("second revoke: %v", err)
	}
	if err := s.Revoke(ctx, "0000000000000000"); !errors.Is(err, ErrNotFound) {
		t.Errorf("revoke unknown: %v", err)
	}
	var f *Failure
	if _, err := s.Verify(ctx, secret); !errors.As(err, &f) || f.Reason != ReasonRevokedAPIKey {
		t.Errorf("revoked key: %v", err)
	}
	list, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range list {
		got = append(got, l.ID+" "+l.Name+" "+l.Role+" "+map[bool]string{true: "revoked", false: "active"}[l.RevokedAt != nil])
	}
	want := []string{k.ID + " airflow prod editor revoked", k2.ID + " ci viewer active"}
	if k2.CreatedAt.Equal(k.CreatedAt) && k2.ID < k.ID {
		want[0], want[1] = want[1], want[0]
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("list (-want +got):\n%s", d)
	}
	for _, bad := range []string{"", strings.Repeat("x", 101), "tab\there"} {
		if _, _, err := s.Create(ctx, bad, RoleViewer); err == nil {
			t.Errorf("name %q accepted", bad)
		}
	}
	if _, _, err := s.Create(ctx, "x", RoleNone); err == nil {
		t.Error("role none accepted")
	}
}

func TestLimiterWindow(t *testing.T) {
	rdb, prefix := testRedis(t)
	ctx := context.Background()
	l := NewLimiter(rdb, prefix)
	lim := Limit{N: 3, Window: 2 * time.Second}
	for i := 1; i <= 4; i++ {
		d, err := l.Hit(ctx, "k", lim)
		if err != nil {
			t.Fatal(err)
		}
		if d.Count != i || d.Allowed != (i <= 3) || d.RetryAfter <= 0 || d.RetryAfter > 2*time.Second {
			t.Errorf("hit %d: %+v", i, d)
		}
	}
	plim := Limit{N: 2, Window: time.Minute}
	// The IP key "k" is over its limit: an authenticated request from it is refused, uncounted.
	if d, err := l.Admit(ctx, "k", lim, "p1", plim); err != nil || d.Allowed || d.Count != 4 {
		t.Errorf("admit from a blocked IP: %+v %v", d, err)
	}
	for i := 1; i <= 3; i++ {
		d, err := l.Admit(ctx, "fresh", lim, "p1", plim)
		if err != nil || d.Allowed != (i <= 2) || d.Count != i {
			t.Errorf("admit %d: %+v %v", i, d, err)
		}
	}
	if n, err := rdb.Exists(ctx, prefix+"rl:fresh").Result(); err != nil || n != 0 {
		t.Errorf("admit counted against the IP: %d %v", n, err)
	}
	if ttl, err := rdb.PTTL(ctx, prefix+"rl:k").Result(); err != nil || ttl <= 0 {
		t.Errorf("counter has no expiry: %v %v", ttl, err)
	}
	if got := (Decision{RetryAfter: 1500 * time.Millisecond}).RetryAfterSeconds(); got != 2 {
		t.Errorf("RetryAfterSeconds = %d", got)
	}
}

// TestVerifiedTokenCache: a remembered token stops passing when it expires
// and when its key leaves the JWKS, and repeated verification of the same
// token does not refetch or re-verify.
func TestVerifiedTokenCache(t *testing.T) {
	k1, k2 := newSigningKey(t, "k1"), newSigningKey(t, "k2")
	is := newIssuer(t, k1)
	logger, _ := testLogger()
	ks := NewKeySet(KeySetConfig{URL: is.url(), MinRefresh: time.Second}, logger)
	v, err := NewVerifier(defaultJWTConfig(t), ks)
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	clock := t0
	v.now = func() time.Time { return clock }
	ks.now = v.now
	ctx := context.Background()
	tok := k1.sign(t, claims(map[string]any{"iat": t0.Add(-time.Minute).Unix(), "exp": t0.Add(2 * time.Minute).Unix()}))
	for range 3 {
		if _, err := v.Verify(ctx, tok); err != nil {
			t.Fatal(err)
		}
	}
	if len(v.verified) != 1 || is.fetches.Load() != 1 {
		t.Errorf("remembered %d tokens, %d fetches", len(v.verified), is.fetches.Load())
	}
	clock = t0.Add(3 * time.Minute) // past exp and past the skew
	var f *Failure
	if _, err := v.Verify(ctx, tok); !errors.As(err, &f) || f.Reason != ReasonExpired {
		t.Errorf("expired remembered token: %v", err)
	}

	clock = t0
	tok2 := k1.sign(t, claims(map[string]any{"sub": "other"}))
	if _, err := v.Verify(ctx, tok2); err != nil {
		t.Fatal(err)
	}
	is.setKeys(k2)
	clock = t0.Add(2 * time.Second)
	if _, err := v.Verify(ctx, k2.sign(t, claims(nil))); err != nil { // refreshes: k1 is gone
		t.Fatal(err)
	}
	if _, err := v.Verify(ctx, tok2); !errors.As(err, &f) || f.Reason != ReasonUnknownKey {
		t.Errorf("remembered token whose key left the JWKS: %v", err)
	}
}
