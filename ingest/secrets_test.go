package ingest_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"strconv"
	"testing"

	"github.com/tributary-lineage/tributary/ingest"
	"github.com/tributary-lineage/tributary/ingest/snowflake"
	"github.com/tributary-lineage/tributary/internal/snowflaketest"
)

// The worker's source opener (OpenerFromEnv) reads the Snowflake credentials from Secrets Manager, keeps
// them, and reads the secret again when Snowflake refuses them after a rotation.
func TestSourceOpenerReadsRotatedSecret(t *testing.T) {
	ctx := context.Background()
	sf := snowflaketest.New(t, snowflaketest.WithUser(snowflaketest.User{Name: "INGEST", Password: "pw-2"}))
	sm := snowflaketest.NewSecretsManager(t)
	secret := func(pw string) string {
		b, err := json.Marshal(map[string]string{"account": sf.Account(), "user": "ingest", "password": pw})
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	// The AWS SDK reads its credentials from the process environment.
	for k, v := range map[string]string{"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
		"AWS_REGION": "eu-west-1", "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": "/dev/null",
		"AWS_SHARED_CREDENTIALS_FILE": "/dev/null"} {
		t.Setenv(k, v)
	}
	vars := map[string]string{
		ingest.EnvSnowflakeSecretID:    "tributary/snowflake",
		snowflake.EnvSecretsEndpoint:   sm.URL(),
		"TRIBUTARY_SNOWFLAKE_HOST":     "127.0.0.1",
		"TRIBUTARY_SNOWFLAKE_PORT":     strconv.Itoa(sf.Port()),
		"TRIBUTARY_SNOWFLAKE_PROTOCOL": "http",
	}
	open, err := ingest.OpenerFromEnv(ctx, func(k string) string { return vars[k] }, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	p := ingest.RefreshPayload{Source: "snowflake"}

	// The secret still holds the old password: one refused login, one re-read, still refused.
	sm.Put("tributary/snowflake", secret("pw-1"))
	if _, _, err := open(ctx, p); err == nil || !snowflake.IsAuthFailure(err) {
		t.Fatalf("open with a stale secret: err = %v, want an authentication failure", err)
	}
	if sm.Calls() != 2 {
		t.Errorf("Secrets Manager calls = %d, want 2 (first read, re-read after the refused login)", sm.Calls())
	}

	// Rotated: the cached pw-1 is refused, the secret is read again and pw-2 logs in.
	sm.Put("tributary/snowflake", secret("pw-2"))
	src, closeSrc, err := open(ctx, p)
	if err != nil {
		t.Fatalf("open after rotation: %v", err)
	}
	defer closeSrc()
	if src == nil || sm.Calls() != 3 {
		t.Errorf("source %v after %d Secrets Manager calls, want one more read", src, sm.Calls())
	}
	var ok, refused int
	for _, l := range sf.Logins() {
		if l.OK {
			ok++
		} else {
			refused++
		}
	}
	if ok != 1 || refused != 3 {
		t.Errorf("logins: %d accepted, %d refused; want 1 and 3", ok, refused)
	}
	// Opened again: the cached, working secret is used without another read.
	src2, close2, err := open(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	defer close2()
	if src2 == nil || sm.Calls() != 3 {
		t.Errorf("Secrets Manager calls = %d after a second open, want 3 (cached)", sm.Calls())
	}
}
