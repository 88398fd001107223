# Tributary: build, test and run locally without Docker.
#
#   make demo    start Neo4j and Redis (jobs and cache), build, migrate, serve on $TRIBUTARY_HTTP_ADDR
#   make test    start Neo4j and Redis, run every test (race detector) against them
#
# Needs Go, Java 17, Maven and apt (Debian) for redis-server. See README.md.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

# Connection settings, shared by the servers, the tests and the binary.
# Override on the command line or in the environment.
export TRIBUTARY_NEO4J_URI ?= bolt://127.0.0.1:7687
export TRIBUTARY_NEO4J_USER ?= neo4j
export TRIBUTARY_NEO4J_PASSWORD ?= tributary-local
export TRIBUTARY_NEO4J_DATABASE ?= neo4j
export TRIBUTARY_REDIS_ADDR ?= 127.0.0.1:6379
export TRIBUTARY_HTTP_ADDR ?= 127.0.0.1:8080
# The lineage cache's own Redis, which `make up` starts and `make demo` serves with. Not
# exported: the tests keep the cache on TRIBUTARY_REDIS_ADDR unless the environment sets it.
TRIBUTARY_CACHE_REDIS_ADDR ?= 127.0.0.1:6380

GO ?= go
BIN := bin/tributary
PKGS ?= ./...
TEST_TIMEOUT ?= 30m
TEST_LOG := var/test.log

NEO4J := deploy/neo4j/neo4j.sh
REDIS := deploy/redis/redis.sh
# The Redis script takes its port from the address the binary and tests use. The job Redis
# (asynq queues, job records, API keys) keeps noeviction: full, it refuses writes rather than
# drop a task; and persists to an append-only file: restarted, it still holds them. The cache
# Redis evicts its least recently used entries when full and persists nothing.
REDIS_ENV := TRIBUTARY_REDIS_PORT=$${TRIBUTARY_REDIS_ADDR\#\#*:} TRIBUTARY_REDIS_POLICY=noeviction \
	TRIBUTARY_REDIS_APPENDONLY=yes
REDIS_CACHE_ENV := TRIBUTARY_REDIS_PORT=$(lastword $(subst :, ,$(TRIBUTARY_CACHE_REDIS_ADDR))) \
	TRIBUTARY_REDIS_POLICY=allkeys-lru TRIBUTARY_REDIS_MAXMEMORY=256mb TRIBUTARY_REDIS_APPENDONLY=no

.PHONY: up down status neo4j-up neo4j-stop neo4j-reset redis-up redis-stop redis-cache-up redis-cache-stop fetch \
	build lint test demo demo-load bench clean

## Servers ------------------------------------------------------------------

# Neo4j, the job Redis and the cache Redis: Neo4j starts while both Redis servers
# do; each script is idempotent and returns once its server answers. Fails if any fails.
up:
	@$(NEO4J) start & neo4j_pid=$$!; \
	redis_status=0; $(REDIS_ENV) $(REDIS) start || redis_status=$$?; \
	$(REDIS_CACHE_ENV) $(REDIS) start || redis_status=$$?; \
	neo4j_status=0; wait $$neo4j_pid || neo4j_status=$$?; \
	exit $$(( neo4j_status != 0 ? neo4j_status : redis_status ))

down: neo4j-stop redis-stop redis-cache-stop

status:
	@$(NEO4J) status || true
	@$(REDIS_ENV) $(REDIS) status || true
	@$(REDIS_CACHE_ENV) $(REDIS) status || true

neo4j-up:
	@$(NEO4J) start

neo4j-stop:
	@$(NEO4J) stop

# Deletes Neo4j's data (needed after changing TRIBUTARY_NEO4J_PASSWORD).
neo4j-reset:
	@$(NEO4J) reset

redis-up:
	@$(REDIS_ENV) $(REDIS) start

redis-stop:
	@$(REDIS_ENV) $(REDIS) stop

redis-cache-up:
	@$(REDIS_CACHE_ENV) $(REDIS) start

redis-cache-stop:
	@$(REDIS_CACHE_ENV) $(REDIS) stop

# Only download the Neo4j jars.
fetch:
	@$(NEO4J) fetch

## Go -------------------------------------------------------------------------

build:
	$(GO) build -o $(BIN) ./cmd/tributary

lint:
	@unformatted="$$(gofmt -l $$(git ls-files --cached --others --exclude-standard -- '*.go' ':(exclude,glob)**/testdata/**') </dev/null)"; \
	if [[ -n "$$unformatted" ]]; then \
		echo "gofmt: these files need formatting:"; echo "$$unformatted"; exit 1; \
	fi
	$(GO) vet $(PKGS)

# Runs every test with the race detector against the real servers. Prints one
# line per top-level test and per package, then a "tests: N passed, N failed,
# N skipped" total counting subtests; the full -v log is in var/test.log.
# Fails when go test fails, when any test or subtest was skipped (a skipped
# integration test is not a passing one) or when no test ran at all.
test: up
	@mkdir -p var
	@echo "go test -race -count=1 -v $(PKGS)   (full log: $(TEST_LOG))"
	@status=0; \
	$(GO) test -race -count=1 -timeout $(TEST_TIMEOUT) -v $(PKGS) 2>&1 \
		| tee $(TEST_LOG) \
		| { grep --line-buffered -E '^(--- (PASS|FAIL|SKIP)|ok |\? |FAIL|panic:|# |\S+\.go:[0-9]+:[0-9]+: )' || true; } \
		|| status=$$?; \
	if (( status != 0 )); then \
		echo; echo "== output of failing tests (from $(TEST_LOG)) =="; \
		awk -v want=FAIL "$$TEST_OUTPUT_AWK" $(TEST_LOG); \
	fi; \
	skipped="$$(grep -E -- '--- SKIP' $(TEST_LOG) || true)"; \
	if [[ -n "$$skipped" ]]; then \
		echo; echo "make test: FAIL: skipped tests are not allowed (servers must be up):"; \
		echo "$$skipped"; \
		echo; echo "== output of skipped tests =="; \
		awk -v want=SKIP "$$TEST_OUTPUT_AWK" $(TEST_LOG); \
		(( status != 0 )) || status=1; \
	fi; \
	passed="$$(grep -cE -- '--- PASS' $(TEST_LOG) || true)"; \
	failed="$$(grep -cE -- '--- FAIL' $(TEST_LOG) || true)"; \
	skips="$$(grep -cE -- '--- SKIP' $(TEST_LOG) || true)"; \
	echo; echo "tests: $$passed passed, $$failed failed, $$skips skipped"; \
	if (( passed == 0 && status == 0 )); then \
		echo "make test: FAIL: no test ran"; status=1; \
	fi; \
	exit $$status

# awk program: prints the -v output of each test that reported --- $$want
# (FAIL or SKIP). Lines belong to the test named by the latest
# === RUN/CONT/PAUSE/NAME line.
define TEST_OUTPUT_AWK
/^=== (RUN|CONT|PAUSE|NAME) / { cur = $$3; next }
$$0 ~ ("^ *--- " want ": ") { print "--- " want ": " $$3; printf "%s", out[$$3]; next }
/^ *--- (PASS|FAIL|SKIP): / { next }
/^(ok|FAIL|PASS)( |$$)/ { cur = ""; next }
cur != "" { out[cur] = out[cur] $$0 "\n" }
endef
export TEST_OUTPUT_AWK

# The demo warehouse: starts Neo4j and Redis, migrates, ingests (demo-load) the
# dbt project's manifest and the query history of examples/tables, the views of
# examples/warehouse and the reporting view of examples/tables/views (printing
# the numbers of views, statements, columns and edges), then serves the API on
# $(TRIBUTARY_HTTP_ADDR) until Ctrl-C. Authentication is off for the demo only,
# which the server allows on a loopback address alone (it says so at start). The
# cache lives on its own Redis ($(TRIBUTARY_CACHE_REDIS_ADDR), allkeys-lru), the
# jobs on $(TRIBUTARY_REDIS_ADDR) (noeviction). Neo4j and Redis keep running;
# stop them with make down.
demo: demo-load
	TRIBUTARY_CACHE_REDIS_ADDR=$(TRIBUTARY_CACHE_REDIS_ADDR) TRIBUTARY_AUTH=off ./$(BIN) serve

# The query history is a fixed export (2026-11-30 and 2026-12-01): the demo keeps
# its lineage for ten years instead of the default 30 days, which would age it out.
DEMO_ENV = TRIBUTARY_CACHE_REDIS_ADDR=$(TRIBUTARY_CACHE_REDIS_ADDR) TRIBUTARY_QUERY_LINEAGE_RETENTION=3650d

demo-load: up build
	./$(BIN) migrate
	$(DEMO_ENV) ./$(BIN) ingest --source dbt:examples/tables/dbt/target/manifest.json --inline --wait
	$(DEMO_ENV) ./$(BIN) ingest --source querylog:examples/tables/query_history.jsonl --inline --wait
	$(DEMO_ENV) ./$(BIN) ingest --source dir:examples/warehouse --default-database ANALYTICS --inline --wait
	$(DEMO_ENV) ./$(BIN) ingest --source dir:examples/tables/views --default-database ANALYTICS --inline --wait

bench: up
	$(GO) test -run='^$$' -bench=. -benchmem $(PKGS)

clean:
	rm -rf bin var

## Neo4j Browser and deployment checks ----------------------------------------

.PHONY: browser chromium k8s-validate test-browser test-contract

# Debian's Chromium, which the Neo4j Browser test (e2e/browser) drives; quick
# when already installed. make test installs it first.
chromium:
	@deploy/browser/install-chromium.sh

test: chromium

# The Neo4j Browser test drives a real Browser UI in headless Chromium (build tag
# browser). Browser re-renders its connect form while its own first connection
# attempts settle, which used to drop keystrokes (wrong password, visible as
# authentication failures in Neo4j's debug.log); the test now reads the form back
# before clicking and waits for Browser to report the connection. A UI test over
# a third-party web app can still stall, so it gets up to three runs, each with a
# fresh browser; every failed run's output is printed. make test runs it first.
test-browser: up chromium
	@mkdir -p var; for try in 1 2 3; do \
		if $(GO) test -tags browser -count=1 -v -run 'TestBrowserDrawsStyledUpstream' ./e2e/browser > var/test-browser.log 2>&1; then \
			grep -E -- '^(--- (PASS|FAIL|SKIP)|ok )' var/test-browser.log; exit 0; \
		fi; \
		echo "browser test: run $$try failed:"; grep -vE '^time=' var/test-browser.log | tail -n 40; \
	done; \
	echo "make test-browser: FAIL: three runs failed"; exit 1

test: test-browser

# The contract test of /openapi.json: Schemathesis (PyPI, pinned, in var/venv-schemathesis)
# fuzzes a real server with the demo warehouse for at most CONTRACT_MAX_TIME seconds and fails
# on any 5xx, undocumented status, schema mismatch, or request accepted although the document
# forbids it (or refused although it allows it). Needs python3 with venv and pip. make test
# runs it first; its report is in var/contract/.
CONTRACT_MAX_TIME ?= 120
test-contract: up
	@e2e/contract/run.sh --max-time $(CONTRACT_MAX_TIME)

test: test-contract

# A ready Neo4j Browser session: servers up, schema migrated, the demo warehouse
# loaded, then the style sheet and guide served on http://localhost:8097 until
# Ctrl-C, with the commands to type printed (docs/browser.md).
browser: demo-load
	$(GO) run ./e2e/browser/cmd/browserguide

# Validates deploy/k8s and deploy/ecs offline (strict decoding into the Kubernetes API types,
# probes, resources, non-root, references) and docker-compose.yml (the Compose
# specification's loader and schema); also renders the kustomization when
# kubectl is installed.
k8s-validate:
	$(GO) test -count=1 ./deploy/k8s/ ./deploy/ecs/
	@if command -v kubectl >/dev/null 2>&1; then \
		kubectl kustomize deploy/k8s >/dev/null && echo "kubectl kustomize deploy/k8s: ok"; \
	else echo "kubectl not installed: kustomize render skipped"; fi
