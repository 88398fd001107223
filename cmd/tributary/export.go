package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tributary-lineage/tributary/export"
	"github.com/tributary-lineage/tributary/graph"
)

const exportSummary = `Export lineage from the graph to a file or to S3.

  tributary export --scope SCOPE [--format xlsx|csv|json|openlineage] --out FILE|s3://BUCKET/KEY|-

SCOPE is one of:
  all                                    everything
  database:NAME[,NAME...]                databases
  schema:DB.SCHEMA[,DB.SCHEMA...]        schemas
  views:DB.SCHEMA.VIEW[,...]             views (or tables)
  upstream:DB.SCHEMA.TABLE.COLUMN[@N]    what a column (or, with DB.SCHEMA.VIEW, every column of a
  downstream:DB.SCHEMA.TABLE.COLUMN[@N]  view) derives from / what derives from it, N hops (20)

The format defaults from the --out extension (.xlsx, .zip/.csv, .json, .jsonl), else xlsx.
An s3:// destination is uploaded in parts (TRIBUTARY_S3_ENDPOINT for S3-compatible stores,
credentials from the AWS chain) and a presigned download URL is printed.`

func runExport(ctx context.Context, e env, args []string) int {
	fs := newFlagSet(e, "export", exportSummary)
	scopeText := fs.String("scope", "", "what to export (see above)")
	formatText := fs.String("format", "", "xlsx, csv, json or openlineage")
	out := fs.String("out", "", "output `FILE`, s3://BUCKET/KEY, or - for standard output")
	pageSize := fs.Int("page-size", graph.DefaultExportPage, "tables and views read per query")
	namespace := fs.String("namespace", export.DefaultNamespace, "OpenLineage dataset namespace")
	timeout := fs.Duration("timeout", time.Hour, "give up after this long")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *scopeText == "" || *out == "" {
		fmt.Fprintln(e.stderr, "tributary export: --scope and --out are required")
		return exitUsage
	}
	scope, err := export.ParseScope(*scopeText)
	if err != nil {
		fmt.Fprintf(e.stderr, "tributary export: %v\n", err)
		return exitUsage
	}
	format, err := exportFormat(*formatText, *out)
	if err != nil {
		fmt.Fprintf(e.stderr, "tributary export: %v\n", err)
		return exitUsage
	}
	cfg, _, code, ok := setup(e)
	if !ok {
		return code
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	opts := export.Options{PageSize: *pageSize, Namespace: *namespace}
	if err := exportTo(ctx, e, cfg, scope, format, *out, opts); err != nil {
		fmt.Fprintf(e.stderr, "tributary export: %v\n", err)
		if errors.Is(err, graph.ErrInvalid) || errors.Is(err, graph.ErrNotFound) {
			return exitUsage
		}
		return exitFail
	}
	return exitOK
}

// exportFormat is the --format flag, or the format --out's extension implies.
func exportFormat(flagValue, out string) (export.Format, error) {
	if flagValue != "" {
		return export.ParseFormat(flagValue)
	}
	lower := strings.ToLower(out)
	switch {
	case strings.HasSuffix(lower, ".zip"), strings.HasSuffix(lower, ".csv"):
		return export.FormatCSV, nil
	case strings.HasSuffix(lower, ".jsonl"), strings.HasSuffix(lower, ".ndjson"):
		return export.FormatOpenLineage, nil
	case strings.HasSuffix(lower, ".json"):
		return export.FormatJSON, nil
	}
	return export.FormatXLSX, nil
}

func exportTo(ctx context.Context, e env, cfg Config, scope export.Scope, format export.Format, out string, opts export.Options) (err error) {
	driver, err := newNeo4jDriver(cfg.Neo4j)
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if cerr := driver.Close(cctx); cerr != nil {
			err = errors.Join(err, fmt.Errorf("close neo4j driver: %w", cerr))
		}
	}()
	store := graph.NewStore(driver, cfg.Neo4j.Database)

	var sum export.Summary
	switch {
	case out == "-":
		sum, err = export.Run(ctx, store, scope, format, e.stdout, opts)
		if err != nil {
			return err
		}
	case strings.HasPrefix(out, "s3://"):
		bucket, key, err := export.ParseS3URI(out)
		if err != nil {
			return err
		}
		s3cfg, err := export.S3ConfigFromEnv(func(k string) string {
			switch k {
			case export.EnvS3Bucket:
				return bucket
			case export.EnvS3Prefix:
				return ""
			}
			return e.getenv(k)
		})
		if err != nil {
			return err
		}
		s3, err := export.NewS3Store(ctx, s3cfg)
		if err != nil {
			return err
		}
		res, err := export.NewHandler(store, s3, nil, opts).Export(ctx, export.TaskPayload{Scope: scope, Format: format, Name: key})
		if err != nil {
			return err
		}
		sum = res.Summary
		fmt.Fprintf(e.stdout, "%s\n%d bytes\ndownload (until %s): %s\n", res.URI, res.Bytes, res.Expires.Format(time.RFC3339), res.URL)
	default:
		tmp, err := os.CreateTemp(filepath.Dir(out), "."+filepath.Base(out)+".*")
		if err != nil {
			return fmt.Errorf("create %s: %w", out, err)
		}
		defer os.Remove(tmp.Name())
		sum, err = export.Run(ctx, store, scope, format, tmp, opts)
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
		// os.CreateTemp makes the file 0600; an export is an ordinary file others may read.
		if err := os.Chmod(tmp.Name(), 0o644); err != nil {
			return fmt.Errorf("write %s: %w", out, err)
		}
		if err := os.Rename(tmp.Name(), out); err != nil {
			return fmt.Errorf("write %s: %w", out, err)
		}
	}
	if out != "-" {
		fmt.Fprintf(e.stdout, "exported %s as %s: %d tables, %d views, %d columns, %d edges\n",
			scope, format, sum.Tables, sum.Views, sum.Columns, sum.Edges)
	}
	return nil
}
