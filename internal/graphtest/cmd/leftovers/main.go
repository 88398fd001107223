// Command leftovers checks that tests leave no data in the shared Neo4j: it lists the
// (:Database) nodes, runs the command given after --, lists them again and fails when the
// command left new ones. Without a command it only lists the databases.
//
//	go run ./internal/graphtest/cmd/leftovers -- go test -count=1 ./...
//
// Connection settings are the tests' (TRIBUTARY_NEO4J_URI, _USER, _PASSWORD, _DATABASE, with
// the same defaults). A database created and deleted while the command runs is not reported;
// one created by something else running at the same time (another test run, an ingestion) is.
package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/tributary-lineage/tributary/internal/graphtest"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "leftovers:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	ctx := context.Background()
	uri := graphtest.Env("TRIBUTARY_NEO4J_URI", "bolt://127.0.0.1:7687")
	driver, err := neo4j.NewDriverWithContext(uri, neo4j.BasicAuth(
		graphtest.Env("TRIBUTARY_NEO4J_USER", "neo4j"), graphtest.Env("TRIBUTARY_NEO4J_PASSWORD", "tributary-local"), ""))
	if err != nil {
		return fmt.Errorf("neo4j driver for %s: %w", uri, err)
	}
	defer driver.Close(ctx)
	before, err := databases(ctx, driver)
	if err != nil {
		return err
	}
	if len(args) == 0 {
		for _, n := range before {
			fmt.Println(n)
		}
		return nil
	}
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	runErr := cmd.Run()
	after, err := databases(ctx, driver)
	if err != nil {
		return err
	}
	var left []string
	for _, n := range after {
		if _, found := slices.BinarySearch(before, n); !found {
			left = append(left, n)
		}
	}
	fmt.Fprintf(os.Stderr, "leftovers: %d databases before, %d after, %d new\n", len(before), len(after), len(left))
	for _, n := range left {
		fmt.Fprintf(os.Stderr, "leftovers: new database %q\n", n)
	}
	switch {
	case len(left) > 0:
		return fmt.Errorf("%q left %d databases in Neo4j", args, len(left))
	case runErr != nil:
		return fmt.Errorf("%q: %w", args, runErr)
	}
	return nil
}

// databases returns the names of every (:Database) node, sorted.
func databases(ctx context.Context, driver neo4j.DriverWithContext) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	res, err := neo4j.ExecuteQuery(ctx, driver, `MATCH (d:Database) RETURN d.name AS name`, nil,
		neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(graphtest.Neo4jDatabase()),
		neo4j.ExecuteQueryWithReadersRouting())
	if err != nil {
		return nil, fmt.Errorf("list databases (run `make up`): %w", err)
	}
	names := make([]string, 0, len(res.Records))
	for _, rec := range res.Records {
		n, _, err := neo4j.GetRecordValue[string](rec, "name")
		if err != nil {
			return nil, fmt.Errorf("list databases: %w", err)
		}
		names = append(names, n)
	}
	slices.Sort(names)
	return names, nil
}
