#!/usr/bin/env bash
# Runs Neo4j 5.26 Community for Tributary without Docker, from jars on Maven
# Central.
#
#   deploy/neo4j/neo4j.sh fetch    download the jars listed in pom.xml into lib/
#   deploy/neo4j/neo4j.sh start    fetch, set the initial password, start in the
#                                  background, wait until Bolt and HTTP answer
#   deploy/neo4j/neo4j.sh stop     stop the server by its pid and wait for it
#   deploy/neo4j/neo4j.sh status   say whether it runs (exit 0) or not (exit 3)
#   deploy/neo4j/neo4j.sh reset    stop, then delete all data (var/)
#
# Needs Java 17 (or 21) and Maven. Environment:
#   TRIBUTARY_NEO4J_PASSWORD       password of user neo4j (default tributary-local);
#                                  applied only when the data folder is new
#   TRIBUTARY_NEO4J_START_TIMEOUT  seconds to wait for readiness (default 240)
#   JAVA_HOME                      Java to use (default: java on PATH)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LIB="$HERE/lib"
CONF="$HERE/conf"
VAR="$HERE/var"
PIDFILE="$VAR/run/neo4j.pid"
LOG="$VAR/logs/console.log"
USER_LOG="$VAR/logs/neo4j.log"
POM="$HERE/pom.xml"
STAMP="$LIB/.complete"

# conf_value KEY prints KEY's value from neo4j.conf; addresses come from there.
conf_value() {
	sed -n "s/^$1=//p" "$CONF/neo4j.conf" | tail -n 1
}
BOLT_ADDR="$(conf_value server.bolt.listen_address)"
HTTP_ADDR="$(conf_value server.http.listen_address)"
BOLT_HOST="${BOLT_ADDR%:*}"
BOLT_PORT="${BOLT_ADDR##*:}"
HTTP_URL="http://$HTTP_ADDR"
PASSWORD="${TRIBUTARY_NEO4J_PASSWORD:-tributary-local}"
TIMEOUT="${TRIBUTARY_NEO4J_START_TIMEOUT:-240}"
DEPENDENCY_PLUGIN="org.apache.maven.plugins:maven-dependency-plugin:3.8.1"
MAIN_CLASS="org.neo4j.server.CommunityEntryPoint"
ADMIN_CLASS="org.neo4j.cli.AdminTool"

if [[ -n "${JAVA_HOME:-}" ]]; then
	JAVA="$JAVA_HOME/bin/java"
else
	JAVA="java"
fi

SERVER_NAME=neo4j
SERVER_MATCH="$MAIN_CLASS"
# shellcheck source=deploy/server.sh
source "$HERE/../server.sh"

# jvm_flags prints the JVM options, one per line. The --add-opens/--add-exports
# flags are the ones Neo4j 5 asks for (see ConfigFileMigrator in the jars);
# heap comes from neo4j.conf.
jvm_flags() {
	local heap_init heap_max
	heap_init="$(conf_value server.memory.heap.initial_size)"
	heap_max="$(conf_value server.memory.heap.max_size)"
	printf '%s\n' \
		"-Xms${heap_init:-512m}" \
		"-Xmx${heap_max:-512m}" \
		-XX:+UseG1GC \
		-XX:-OmitStackTraceInFastThrow \
		-XX:+UnlockExperimentalVMOptions \
		-XX:+TrustFinalNonStaticFields \
		-XX:+DisableExplicitGC \
		-XX:+ExitOnOutOfMemoryError \
		-Djdk.nio.maxCachedBufferSize=1024 \
		-Dio.netty.tryReflectionSetAccessible=true \
		-Djdk.tls.ephemeralDHKeySize=2048 \
		-Djdk.tls.rejectClientInitiatedRenegotiation=true \
		-Dlog4j2.disable.jmx=true \
		-Dfile.encoding=UTF-8 \
		--add-opens=java.base/java.nio=ALL-UNNAMED \
		--add-opens=java.base/java.io=ALL-UNNAMED \
		--add-opens=java.base/sun.nio.ch=ALL-UNNAMED \
		--add-opens=java.base/java.lang=ALL-UNNAMED \
		--add-exports=java.base/sun.nio.ch=ALL-UNNAMED
}

check_java() {
	command -v "$JAVA" >/dev/null 2>&1 || die "java not found (install OpenJDK 17 or set JAVA_HOME)"
	local version major
	version="$("$JAVA" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | sed -n 1p)"
	major="${version%%.*}"
	if [[ -z "$major" || "$major" -lt 17 ]]; then
		die "Neo4j 5.26 needs Java 17 or 21; $JAVA is version '${version:-unknown}'"
	fi
}

pom_hash() {
	sha256sum "$POM" | cut -d' ' -f1
}

cmd_fetch() {
	if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$(pom_hash)" ]]; then
		return 0
	fi
	command -v mvn >/dev/null 2>&1 || die "mvn not found (apt-get install -y maven)"
	log "fetching Neo4j jars with Maven into $LIB"
	local partial="$HERE/lib.partial"
	local mvnlog="$HERE/lib.partial.log"
	rm -rf "$partial"
	local attempt
	for attempt in 1 2 3; do
		if mvn -B --no-transfer-progress -Dstyle.color=never -f "$POM" \
			"$DEPENDENCY_PLUGIN:copy-dependencies" \
			-DincludeScope=runtime \
			-DoutputDirectory="$partial" >"$mvnlog" 2>&1; then
			break
		fi
		if ((attempt == 3)); then
			tail -n 30 "$mvnlog" >&2
			die "mvn could not fetch the jars listed in $POM (log: $mvnlog)"
		fi
		log "mvn failed (attempt $attempt of 3), retrying in 5s"
		sleep 5
	done
	rm -f "$mvnlog"
	rm -rf "$LIB"
	mv "$partial" "$LIB"
	pom_hash >"$STAMP"
	log "fetched $(find "$LIB" -name '*.jar' | wc -l) jars"
}

# running_pid prints the pid of our server and succeeds when it is alive.
bolt_open() {
	(exec 3<>"/dev/tcp/$BOLT_HOST/$BOLT_PORT") 2>/dev/null
}

# http_status PATH [curl args...] prints the HTTP status code, 000 when there is
# no answer.
http_status() {
	local path="$1"
	shift
	curl -s -o /dev/null -m 5 -w '%{http_code}' "$@" "$HTTP_URL$path" 2>/dev/null || true
}

# query_status prints the status of an authenticated RETURN 1 over HTTP.
query_status() {
	http_status /db/neo4j/tx/commit -u "neo4j:$PASSWORD" \
		-H 'Content-Type: application/json' \
		-d '{"statements":[{"statement":"RETURN 1"}]}'
}

ready() {
	bolt_open && [[ "$(http_status /)" == "200" ]] && [[ "$(query_status)" == "200" ]]
}

set_initial_password() {
	# The initial password only applies to a new DBMS: once the system database
	# exists, the stored password wins.
	if [[ -d "$VAR/data/databases/system" ]]; then
		return 0
	fi
	if ((${#PASSWORD} < 8)); then
		die "TRIBUTARY_NEO4J_PASSWORD must have at least 8 characters (Neo4j's dbms.security.auth_minimum_password_length)"
	fi
	log "setting the initial password of user neo4j"
	mapfile -t flags < <(jvm_flags)
	NEO4J_HOME="$HERE" NEO4J_CONF="$CONF" "$JAVA" "${flags[@]}" -Xms64m -Xmx256m \
		-cp "$LIB/*" "$ADMIN_CLASS" dbms set-initial-password "$PASSWORD" >>"$LOG" 2>&1 || {
		grep -vE '^\s+at |^\s+\.\.\. [0-9]+ more' "$LOG" | tail -n 5 >&2
		die "set-initial-password failed; see $LOG"
	}
}

log_tail() {
	log "last lines of $LOG:"
	tail -n 40 "$LOG" >&2 || true
	if [[ -f "$USER_LOG" ]]; then
		log "last lines of $USER_LOG:"
		tail -n 20 "$USER_LOG" >&2 || true
	fi
	if [[ -f "$VAR/logs/debug.log" ]]; then
		log "last ERROR/WARN lines of $VAR/logs/debug.log:"
		grep -E ' (ERROR|WARN) ' "$VAR/logs/debug.log" | tail -n 20 >&2 || true
	fi
}

wait_ready() {
	local pid="$1" start=$SECONDS
	while ((SECONDS - start < TIMEOUT)); do
		if ! kill -0 "$pid" 2>/dev/null; then
			log_tail
			die "Neo4j (pid $pid) exited during start"
		fi
		if bolt_open && [[ "$(http_status /)" == "200" ]]; then
			local code
			code="$(query_status)"
			case "$code" in
			200)
				log "ready after $((SECONDS - start))s: bolt://$BOLT_HOST:$BOLT_PORT, $HTTP_URL/browser/ (pid $pid)"
				return 0
				;;
			401 | 403)
				die "Neo4j is up but rejects the password of TRIBUTARY_NEO4J_PASSWORD; the data in $VAR was created with another one (reset with: $0 reset)"
				;;
			esac
		fi
		sleep 1
	done
	log_tail
	die "Neo4j did not become ready within ${TIMEOUT}s"
}

cmd_start() {
	local pid
	if pid="$(running_pid)"; then
		if ready; then
			log "already running (pid $pid)"
			return 0
		fi
		log "already running (pid $pid), waiting for readiness"
		wait_ready "$pid"
		return 0
	fi
	if bolt_open; then
		if ready; then
			log "a Neo4j not started from $HERE already answers on $BOLT_PORT with TRIBUTARY_NEO4J_PASSWORD; using it"
			return 0
		fi
		die "port $BOLT_PORT is taken by another process that does not accept TRIBUTARY_NEO4J_PASSWORD; stop it first"
	fi
	check_java
	cmd_fetch
	mkdir -p "$VAR/run" "$VAR/logs" "$VAR/data" "$VAR/import" "$VAR/plugins" "$VAR/licenses"
	rm -f "$PIDFILE"
	set_initial_password
	mapfile -t flags < <(jvm_flags)
	log "starting Neo4j (logs: $VAR/logs/)"
	# setsid: the server outlives the shell and ignores its Ctrl-C.
	# shellcheck disable=SC2016 # $$ and $@ expand in the inner bash
	NEO4J_HOME="$HERE" NEO4J_CONF="$CONF" setsid bash -c '
		pidfile="$1"; shift
		echo $$ >"$pidfile"
		exec "$@"
	' neo4j-launch "$PIDFILE" "$JAVA" "${flags[@]}" -cp "$LIB/*" "$MAIN_CLASS" \
		--home-dir="$HERE" --config-dir="$CONF" \
		>>"$LOG" 2>&1 </dev/null &
	local waited=0
	while [[ ! -s "$PIDFILE" ]] && ((waited < 50)); do
		sleep 0.1
		waited=$((waited + 1))
	done
	[[ -s "$PIDFILE" ]] || die "launcher did not write $PIDFILE"
	wait_ready "$(cat "$PIDFILE")"
}

cmd_stop() { stop_server 90 0.5; }

cmd_status() {
	local pid
	if pid="$(running_pid)"; then
		if ready; then
			echo "neo4j: running (pid $pid), ready on bolt://$BOLT_HOST:$BOLT_PORT and $HTTP_URL"
		else
			echo "neo4j: running (pid $pid), not ready"
		fi
		return 0
	fi
	echo "neo4j: not running"
	return 3
}

cmd_reset() {
	cmd_stop
	rm -rf "$VAR"
	log "deleted $VAR"
}

case "${1:-}" in
fetch) cmd_fetch ;;
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
reset) cmd_reset ;;
*)
	echo "usage: $0 fetch|start|stop|status|reset" >&2
	exit 2
	;;
esac
