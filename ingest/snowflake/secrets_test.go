package snowflake_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/tributary-lineage/tributary/ingest/snowflake"
	"github.com/tributary-lineage/tributary/internal/snowflaketest"
)

// The credentials in Secrets Manager were rotated after the service read them: Snowflake
// refuses the cached password, the provider fetches the secret again and the retry logs in.
func TestSecretRotationIsPickedUp(t *testing.T) {
	ctx := context.Background()
	sf := snowflaketest.New(t, snowflaketest.WithUser(snowflaketest.User{Name: "INGEST", Password: "pw-2"}))
	secrets := snowflaketest.NewSecretsManager(t)
	secretJSON := func(pw string) string {
		b, _ := json.Marshal(map[string]string{"account": sf.Account(), "user": "ingest", "role": "LINEAGE_READER",
			"warehouse": "META_WH", "password": pw})
		return string(b)
	}
	secrets.Put("tributary/snowflake", secretJSON("pw-1"))
	client, err := snowflake.NewSecretsManagerClient(ctx, secrets.URL(),
		config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AKIDTEST", "secret", "")),
		config.WithRegion("eu-west-1"))
	if err != nil {
		t.Fatal(err)
	}
	p := snowflake.NewSecretsProvider(client, nil)
	base := snowflake.Config{Host: "127.0.0.1", Port: sf.Port(), Protocol: "http", LoginTimeout: 5 * time.Second}

	// open logs in with the configuration from the secret, as the source opener does.
	var passwords []string
	open := func() error {
		secret, err := p.Fetch(ctx, "tributary/snowflake")
		if err != nil {
			return err
		}
		cfg, err := base.WithSecret(secret)
		if err != nil {
			return err
		}
		if cfg.Account != sf.Account() || cfg.Role != "LINEAGE_READER" {
			t.Fatalf("config from the secret: %s", cfg)
		}
		passwords = append(passwords, cfg.Password)
		src, err := snowflake.Open(cfg, nil)
		if err != nil {
			return err
		}
		defer src.Close()
		return src.Ping(ctx)
	}

	// Fetched at start, then served from the cache.
	if err := open(); !snowflake.IsAuthFailure(err) {
		t.Fatalf("pw-1 login: %v, want an auth failure", err)
	}
	if _, err := p.Fetch(ctx, "tributary/snowflake"); err != nil || secrets.Calls() != 1 {
		t.Fatalf("second read went to Secrets Manager (%d calls, %v)", secrets.Calls(), err)
	}

	// Rotated: after the refusal the secret is read again and the new password logs in.
	secrets.Put("tributary/snowflake", secretJSON("pw-2"))
	p.Invalidate("tributary/snowflake")
	if err := open(); err != nil {
		t.Fatalf("after rotation: %v", err)
	}
	if strings.Join(passwords, ",") != "pw-1,pw-2" || secrets.Calls() != 2 {
		t.Errorf("tried %q with %d Secrets Manager calls, want pw-1 then pw-2 after one re-fetch", passwords, secrets.Calls())
	}
	logins := sf.Logins()
	if len(logins) != 2 || logins[0].OK || !logins[1].OK {
		t.Errorf("logins %+v, want a refused one then an accepted one", logins)
	}
	if snowflake.IsAuthFailure(context.DeadlineExceeded) {
		t.Error("a deadline is not a credential problem")
	}

	// Invalidate and MaxAge make Fetch read again.
	calls := secrets.Calls()
	p.Invalidate("tributary/snowflake")
	if _, err := p.Fetch(ctx, "tributary/snowflake"); err != nil || secrets.Calls() != calls+1 {
		t.Errorf("fetch after Invalidate: %v, %d calls", err, secrets.Calls()-calls)
	}
	p.MaxAge = time.Nanosecond
	if _, err := p.Fetch(ctx, "tributary/snowflake"); err != nil || secrets.Calls() != calls+2 {
		t.Errorf("fetch of an expired value: %v, %d calls", err, secrets.Calls()-calls)
	}
	if _, err := p.Fetch(ctx, "tributary/missing"); err == nil || !strings.Contains(err.Error(), "ResourceNotFoundException") {
		t.Errorf("missing secret: %v", err)
	}
}
