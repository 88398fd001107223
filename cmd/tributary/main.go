// Command tributary is Tributary's one binary: the API server, schema
// migrations, and (later) ingestion and analysis, as subcommands.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/redis/go-redis/v9"

	"github.com/tributary-lineage/tributary/telemetry"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit codes.
const (
	exitOK    = 0
	exitFail  = 1 // the command ran and failed
	exitUsage = 2 // bad command line or configuration
)

// env is what every subcommand gets from the process: the environment and
// the output streams. Tests pass their own.
type env struct {
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
	// logs receives the JSON log: stdout for the long-running services (serve, worker), whose
	// stdout carries nothing else and is what container platforms collect (CloudWatch Logs
	// through the awslogs driver, kubectl logs); stderr for the one-shot commands, whose stdout
	// is their output (analyze's JSON, config, apikey's key). Nil means stderr.
	logs io.Writer
}

// command is one subcommand. To add one, write its file and add a line to commands.
type command struct {
	name    string
	summary string // one line for `tributary help`
	run     func(ctx context.Context, e env, args []string) int
	service bool // long-running: logs go to stdout
}

func commands() []command {
	return []command{
		{"serve", "run the HTTP API (health, lineage) until SIGINT/SIGTERM; logs JSON to stdout", runServe, true},
		{"migrate", "apply pending Neo4j schema migrations and print the level", runMigrate, false},
		{"healthcheck", "GET /health/live on TRIBUTARY_HTTP_ADDR; exit 0 if it answers 200 (for container HEALTHCHECK)", runHealthcheck, false},
		{"config", "print the effective configuration (secrets masked) and exit non-zero if invalid", runConfig, false},
		{"apikey", "create, list or revoke API keys (printed once; only a hash is stored)", runAPIKey, false},
		{"version", "print version and build information", runVersion, false},
		{"ingest", "refresh the lineage graph from a source (dir:PATH, dbt:PATH or snowflake); --wait shows progress", runIngest, false},
		{"worker", "run the ingestion worker (asynq tasks) and the periodic refresh scheduler; logs JSON to stdout", runWorker, true},
		{"gen", "generate a synthetic Snowflake warehouse (views + catalog) for scale tests", runGen, false},
		{"analyze", "print the column lineage of SQL statements (JSON or a table)", runAnalyze, false},
		{"export", "export lineage (a scope) as xlsx, csv, json or openlineage to a file or s3://", runExport, false},
	}
}

// run dispatches args[0] to its subcommand and returns the process exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	e := env{getenv: getenv, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	name, rest := args[0], args[1:]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(rest) > 0 {
			return helpFor(ctx, e, rest[0])
		}
		usage(stdout)
		return exitOK
	}
	for _, c := range commands() {
		if c.name == name {
			if c.service {
				e.logs = stdout
			}
			return c.run(ctx, e, rest)
		}
	}
	fmt.Fprintf(stderr, "tributary: unknown command %q; `tributary help` lists the commands\n", name)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: tributary <command> [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "  %-12s %s\n", "help", "this text; `tributary help <command>` for a command's flags")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Environment (default):")
	for _, d := range envDefaults {
		def := d.def
		if def == "" {
			def = "unset"
		}
		fmt.Fprintf(w, "  %-28s %s (%s)\n", d.name, d.doc, def)
	}
}

// helpFor runs `<command> -h`, which prints the command's flags.
func helpFor(ctx context.Context, e env, name string) int {
	for _, c := range commands() {
		if c.name == name {
			c.run(ctx, env{getenv: e.getenv, stdout: e.stdout, stderr: e.stdout}, []string{"-h"})
			return exitOK
		}
	}
	fmt.Fprintf(e.stderr, "tributary: unknown command %q\n", name)
	return exitUsage
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(e env, name, summary string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: tributary %s [flags]\n\n%s\n", name, summary)
		var n int
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprintln(fs.Output(), "\nFlags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

// parseFlags parses args; ok is false when the command should return code
// (help was asked for, or the flags were bad).
func parseFlags(fs *flag.FlagSet, args []string) (code int, ok bool) {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return exitOK, false
		}
		return exitUsage, false
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "tributary %s: unexpected arguments %q\n", fs.Name(), fs.Args())
		return exitUsage, false
	}
	return exitOK, true
}

// setup loads and validates the configuration and builds the JSON logger.
// On failure it has already reported to stderr and returns the exit code.
func setup(e env) (Config, *slog.Logger, int, bool) {
	cfg, err := loadConfig(e.getenv)
	if err != nil {
		fmt.Fprintf(e.stderr, "tributary: %v\n", err)
		return Config{}, nil, exitUsage, false
	}
	// trace_id and span_id join every record logged with a traced context.
	logs := e.logs
	if logs == nil {
		logs = e.stderr
	}
	logger := slog.New(telemetry.NewLogHandler(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: cfg.LogLevel})))
	// go-redis logs through a package-level logger; main is the one place that sets it.
	redis.SetLogger(telemetry.RedisLogger(logger))
	return cfg, logger, exitOK, true
}

func runConfig(_ context.Context, e env, args []string) int {
	fs := newFlagSet(e, "config", "Print the effective configuration with secrets masked.")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	cfg, _, code, ok := setup(e)
	if !ok {
		return code
	}
	fmt.Fprintln(e.stdout, cfg)
	return exitOK
}

func runVersion(_ context.Context, e env, args []string) int {
	fs := newFlagSet(e, "version", "Print version and build information.")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	b := buildInfo()
	fmt.Fprintf(e.stdout, "tributary %s commit=%s built=%s modified=%t %s\n", b.Version, b.Commit, b.BuildTime, b.Modified, b.GoVersion)
	return exitOK
}
