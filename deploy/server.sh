# Shared by deploy/neo4j/neo4j.sh and deploy/redis/redis.sh (sourced, not run): logging, the
# pidfile check and the stop of a server the script started. The sourcing script sets
#   SERVER_NAME   the prefix of its log lines (neo4j, redis)
#   PIDFILE       where it wrote the server's pid
#   SERVER_MATCH  a string the server's command line contains, so a reused pid is not taken
#                 for the server

log() { printf '%s: %s\n' "$SERVER_NAME" "$*" >&2; }
die() {
	log "$*"
	exit 1
}

# running_pid prints the pid of PIDFILE when that process is alive and is the server.
running_pid() {
	[[ -f "$PIDFILE" ]] || return 1
	local pid
	pid="$(cat "$PIDFILE")"
	[[ "$pid" =~ ^[0-9]+$ ]] || return 1
	[[ -r "/proc/$pid/cmdline" ]] || return 1
	local cmdline
	cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline")"
	[[ "$cmdline" == *"$SERVER_MATCH"* ]] || return 1
	printf '%s\n' "$pid"
}

# stop_server TIMEOUT POLL: SIGTERM to the server, SIGKILL once it outlives TIMEOUT seconds,
# checking every POLL seconds; then the pidfile goes.
stop_server() {
	local timeout=$1 poll=$2 pid
	if ! pid="$(running_pid)"; then
		rm -f "$PIDFILE"
		log "not running"
		return 0
	fi
	log "stopping pid $pid"
	kill -TERM "$pid"
	local start=$SECONDS
	while kill -0 "$pid" 2>/dev/null; do
		if ((SECONDS - start >= timeout)); then
			log "pid $pid still alive after ${timeout}s, sending SIGKILL"
			kill -KILL "$pid" 2>/dev/null || true
		fi
		sleep "$poll"
	done
	rm -f "$PIDFILE"
	log "stopped"
}
