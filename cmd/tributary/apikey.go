package main

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/tributary-lineage/tributary/api/auth"
)

const apikeySummary = `Manage API keys for services (header X-API-Key). Keys live in Redis as hashes
under TRIBUTARY_AUTH_REDIS_PREFIX; the key itself is printed once, at creation.

  tributary apikey create --name NAME --role viewer|editor|admin
  tributary apikey list
  tributary apikey revoke ID`

func runAPIKey(ctx context.Context, e env, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "-help" || args[0] == "--help" {
		fs := newFlagSet(e, "apikey", apikeySummary)
		fs.Usage()
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	sub, rest := args[0], args[1:]
	fs := newFlagSet(e, "apikey "+sub, apikeySummary)
	var name, role *string
	switch sub {
	case "create":
		name = fs.String("name", "", "what the key is for (shown in logs and list), required")
		role = fs.String("role", "viewer", "viewer, editor or admin")
	case "list":
	case "revoke":
		if len(rest) != 1 || rest[0] == "" || rest[0][0] == '-' {
			fmt.Fprintln(e.stderr, "tributary apikey revoke: want exactly one key id (see `tributary apikey list`)")
			return exitUsage
		}
	default:
		fmt.Fprintf(e.stderr, "tributary apikey: unknown subcommand %q (create, list, revoke)\n", sub)
		return exitUsage
	}
	if sub != "revoke" {
		if code, ok := parseFlags(fs, rest); !ok {
			return code
		}
	}
	var r auth.Role
	if sub == "create" {
		var err error
		if r, err = auth.ParseRole(*role); err != nil {
			fmt.Fprintf(e.stderr, "tributary apikey create: --role: %v\n", err)
			return exitUsage
		}
		if *name == "" {
			fmt.Fprintln(e.stderr, "tributary apikey create: --name is required")
			return exitUsage
		}
	}
	cfg, logger, code, ok := setup(e)
	if !ok {
		return code
	}
	rdb := newRedisClient(cfg.Redis)
	defer rdb.Close()
	store := auth.NewKeyStore(rdb, cfg.Auth.RedisPrefix)
	audit := auth.NewAuditor(logger)
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	record := func(action, resource string, role auth.Role, err error) {
		ev := auth.AuditEvent{Principal: "cli", Method: "cli", Role: role, Action: action, Resource: resource, Outcome: auth.OutcomeSuccess}
		if err != nil {
			ev.Outcome, ev.Detail = auth.OutcomeFailure, err.Error()
		}
		audit.Record(ctx, ev)
	}

	switch sub {
	case "create":
		k, key, err := store.Create(ctx, *name, r)
		record("apikey.create", "apikey:"+k.ID, r, err)
		if err != nil {
			fmt.Fprintf(e.stderr, "tributary apikey create: %v\n", err)
			return exitFail
		}
		fmt.Fprintln(e.stdout, key)
		fmt.Fprintf(e.stderr, "created API key %s (%q, role %s). The key above is shown only now; store it in a secret manager.\n", k.ID, k.Name, k.Role)
	case "list":
		keys, err := store.List(ctx)
		if err != nil {
			fmt.Fprintf(e.stderr, "tributary apikey list: %v\n", err)
			return exitFail
		}
		w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(w, "ID\tNAME\tROLE\tCREATED\tREVOKED")
		for _, k := range keys {
			revoked := "-"
			if k.RevokedAt != nil {
				revoked = k.RevokedAt.Format(time.RFC3339)
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", k.ID, k.Name, k.Role, k.CreatedAt.Format(time.RFC3339), revoked)
		}
		if err := w.Flush(); err != nil {
			return exitFail
		}
	case "revoke":
		err := store.Revoke(ctx, rest[0])
		record("apikey.revoke", "apikey:"+rest[0], auth.RoleNone, err)
		if errors.Is(err, auth.ErrNotFound) {
			fmt.Fprintf(e.stderr, "tributary apikey revoke: no API key with id %q\n", rest[0])
			return exitFail
		}
		if err != nil {
			fmt.Fprintf(e.stderr, "tributary apikey revoke: %v\n", err)
			return exitFail
		}
		fmt.Fprintf(e.stdout, "revoked %s\n", rest[0])
	}
	return exitOK
}
