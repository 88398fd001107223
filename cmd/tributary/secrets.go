package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/tributary-lineage/tributary/export"
	"github.com/tributary-lineage/tributary/ingest"
	"github.com/tributary-lineage/tributary/ingest/snowflake"
)

// envSecretsEndpoint overrides the Secrets Manager endpoint (a local or VPC endpoint).
const envSecretsEndpoint = "TRIBUTARY_SECRETS_ENDPOINT"

// secretMaxAge bounds how long a Snowflake secret read from Secrets Manager is reused
// without a failed login: a rotation is picked up at the latest this long after it.
const secretMaxAge = 15 * time.Minute

// sourceOpener returns how the worker and `ingest --inline` open sources. Without
// TRIBUTARY_SNOWFLAKE_SECRET_ID it is ingest.Opener reading the environment. With it, the
// Snowflake credentials come from that Secrets Manager secret (JSON with account, user,
// role, warehouse and a private key, token or password), fetched at the first open and
// kept; when Snowflake rejects them at login the secret is read again once (it was
// rotated) before the open fails.
func sourceOpener(ctx context.Context, e env, logger *slog.Logger) (ingest.OpenSource, error) {
	id := e.getenv(ingest.EnvSnowflakeSecretID)
	if id == "" {
		return ingest.Opener(e.getenv, nil, logger), nil
	}
	client, err := export.NewSecretsManagerClient(ctx, e.getenv(envSecretsEndpoint))
	if err != nil {
		return nil, fmt.Errorf("secrets manager for %s: %w", ingest.EnvSnowflakeSecretID, err)
	}
	secrets := export.NewSecretsProvider(client, logger)
	secrets.MaxAge = secretMaxAge
	fallback := ingest.Opener(e.getenv, secrets.Fetch, logger)
	return func(ctx context.Context, p ingest.RefreshPayload) (ingest.Source, func() error, error) {
		kind, _, err := ingest.ParseSourceSpec(p.Source)
		if err != nil || kind != "snowflake" {
			return fallback(ctx, p)
		}
		sf, account, err := openSnowflake(ctx, e.getenv, secrets.Fetch, logger)
		if err != nil && export.IsAuthFailure(err) {
			logger.WarnContext(ctx, "snowflake rejected the credentials from the secret; reading it again", "secret_id", id)
			secrets.Invalidate(id)
			sf, account, err = openSnowflake(ctx, e.getenv, secrets.Fetch, logger)
		}
		if err != nil {
			return nil, nil, err
		}
		return ingest.NewSnowflakeSource(sf, account), sf.Close, nil
	}, nil
}

// openSnowflake opens a Snowflake source with the configuration from the environment and
// the secret, and logs in once so that rejected credentials show up here.
func openSnowflake(ctx context.Context, getenv func(string) string, fetch ingest.FetchSecret, logger *slog.Logger) (*snowflake.Source, string, error) {
	cfg, err := ingest.SnowflakeConfig(ctx, getenv, fetch)
	if err != nil {
		return nil, "", err
	}
	sf, err := snowflake.Open(cfg, logger)
	if err != nil {
		return nil, "", err
	}
	if err := sf.Ping(ctx); err != nil {
		return nil, "", errors.Join(fmt.Errorf("open snowflake %s: %w", cfg.Account, err), sf.Close())
	}
	return sf, cfg.Account, nil
}
