#!/usr/bin/env bash
# Runs a local Redis for Tributary without Docker, from Debian's redis-server.
#
#   deploy/redis/redis.sh start    install redis-server if missing, start it on
#                                  127.0.0.1 in the background, wait for PING
#   deploy/redis/redis.sh stop     stop it by its pid and wait for it
#   deploy/redis/redis.sh status   say whether it runs (exit 0) or not (exit 3)
#
# Environment:
#   TRIBUTARY_REDIS_PORT           port (default 6379); the pid and log files are per port
#   TRIBUTARY_REDIS_POLICY         maxmemory-policy: noeviction (default), allkeys-lru,
#                                  volatile-lru or allkeys-lfu
#   TRIBUTARY_REDIS_MAXMEMORY      maxmemory, e.g. 256mb (default), 1gb, 100000000
#   TRIBUTARY_REDIS_APPENDONLY     yes (default): persist every write to an append-only file,
#                                  fsynced every second; no: keep everything in memory only
#   TRIBUTARY_REDIS_DIR            folder of the pid, log and append-only files (default
#                                  deploy/redis/var)
#   TRIBUTARY_REDIS_START_TIMEOUT  seconds to wait for PING (default 30)
#
# The job queue's Redis (asynq queues, job records, API keys) needs noeviction and
# persistence: a full Redis must refuse writes rather than drop queued tasks, and a restarted
# one must still hold the queued tasks and job records (docs/scaling.md). The lineage cache's
# own Redis (TRIBUTARY_CACHE_REDIS_ADDR) wants allkeys-lru and no persistence: a full cache
# forgets its least recently used entries, a restarted one starts empty. `make up` starts one
# of each (6379 and 6380).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VAR="${TRIBUTARY_REDIS_DIR:-$HERE/var}"
PORT="${TRIBUTARY_REDIS_PORT:-6379}"
PIDFILE="$VAR/redis-$PORT.pid"
LOG="$VAR/redis-$PORT.log"
TIMEOUT="${TRIBUTARY_REDIS_START_TIMEOUT:-30}"
POLICY="${TRIBUTARY_REDIS_POLICY:-noeviction}"
MAXMEMORY="${TRIBUTARY_REDIS_MAXMEMORY:-256mb}"
APPENDONLY="${TRIBUTARY_REDIS_APPENDONLY:-yes}"

SERVER_NAME=redis
SERVER_MATCH=redis-server
# shellcheck source=deploy/server.sh
source "$HERE/../server.sh"

[[ "$PORT" =~ ^[0-9]+$ ]] || die "TRIBUTARY_REDIS_PORT must be a number, got '$PORT'"

install_redis() {
	if command -v redis-server >/dev/null 2>&1; then
		return 0
	fi
	log "redis-server is missing, installing Debian's package"
	local sudo=""
	if [[ "$(id -u)" != 0 ]]; then
		command -v sudo >/dev/null 2>&1 || die "not root and no sudo: install redis-server yourself"
		sudo="sudo"
	fi
	local attempt
	for attempt in 1 2 3; do
		if $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null &&
			$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends redis-server >/dev/null; then
			break
		fi
		((attempt < 3)) || die "apt-get could not install redis-server"
		log "apt-get failed (attempt $attempt of 3), retrying in 5s"
		sleep 5
	done
	# Debian's package may start its own service on 6379 where an init system
	# runs; this script runs its own instance, so stop that one.
	if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet redis-server 2>/dev/null; then
		$sudo systemctl stop redis-server || true
		$sudo systemctl disable redis-server >/dev/null 2>&1 || true
	fi
	log "installed $(redis-server --version | cut -d' ' -f1-3)"
}

# running_pid prints the pid of our server and succeeds when it is alive.
# policy prints the running server's maxmemory-policy, nothing when redis-cli is missing
# or the server does not say.
policy() {
	command -v redis-cli >/dev/null 2>&1 || return 0
	timeout 2 redis-cli -h 127.0.0.1 -p "$PORT" --raw CONFIG GET maxmemory-policy 2>/dev/null | sed -n 2p || true
}

# appendonly prints the running server's appendonly setting, like policy.
appendonly() {
	command -v redis-cli >/dev/null 2>&1 || return 0
	timeout 2 redis-cli -h 127.0.0.1 -p "$PORT" --raw CONFIG GET appendonly 2>/dev/null | sed -n 2p || true
}

# check_policy warns when a server already running answers with another policy or
# persistence than asked.
check_policy() {
	local have
	have="$(policy)"
	if [[ -n "$have" && "$have" != "$POLICY" ]]; then
		log "warning: it runs with maxmemory-policy $have, not $POLICY; restart it ($0 stop, then start) to apply"
	fi
	have="$(appendonly)"
	if [[ -n "$have" && "$have" != "$APPENDONLY" ]]; then
		log "warning: it runs with appendonly $have, not $APPENDONLY; restart it ($0 stop, then start) to apply"
	fi
}

# ping answers PONG over a plain TCP connection (no redis-cli needed).
ping() {
	local reply
	reply="$( (
		exec 3<>"/dev/tcp/127.0.0.1/$PORT" || exit 1
		printf 'PING\r\n' >&3
		timeout 2 head -c 7 <&3
	) 2>/dev/null)" || return 1
	[[ "$reply" == "+PONG"* ]]
}

# check_settings validates the policy and memory limit a start applies.
check_settings() {
	case "$POLICY" in
	noeviction | allkeys-lru | volatile-lru | allkeys-lfu) ;;
	*) die "TRIBUTARY_REDIS_POLICY must be noeviction, allkeys-lru, volatile-lru or allkeys-lfu, got '$POLICY'" ;;
	esac
	# Redis's memory units: bytes, or k/kb/m/mb/g/gb (any case).
	[[ "$MAXMEMORY" =~ ^[1-9][0-9]*([kKmMgG][bB]?)?$ ]] ||
		die "TRIBUTARY_REDIS_MAXMEMORY must be a size such as 256mb, 1gb or 100000000, got '$MAXMEMORY'"
	[[ "$APPENDONLY" == yes || "$APPENDONLY" == no ]] ||
		die "TRIBUTARY_REDIS_APPENDONLY must be yes or no, got '$APPENDONLY'"
}

cmd_start() {
	check_settings
	local pid
	if pid="$(running_pid)" && ping; then
		log "already running (pid $pid)"
		check_policy
		return 0
	fi
	if ping; then
		log "a Redis not started from $HERE already answers PING on 127.0.0.1:$PORT; using it"
		check_policy
		return 0
	fi
	install_redis
	mkdir -p "$VAR"
	rm -f "$PIDFILE"
	# With appendonly yes, every write goes to an append-only file in $VAR (one folder per
	# port), fsynced every second: a restart loses at most the last second. No RDB snapshots.
	redis-server - >/dev/null <<EOF || die "redis-server did not start; see $LOG"
bind 127.0.0.1 -::1
protected-mode yes
port $PORT
daemonize yes
pidfile $PIDFILE
logfile $LOG
dir $VAR
save ""
appendonly $APPENDONLY
appendfsync everysec
appenddirname appendonly-$PORT
databases 16
maxmemory $MAXMEMORY
maxmemory-policy $POLICY
EOF
	local start=$SECONDS
	while ((SECONDS - start < TIMEOUT)); do
		if ping && pid="$(running_pid)"; then
			log "ready after $((SECONDS - start))s on 127.0.0.1:$PORT (pid $pid, maxmemory $MAXMEMORY, maxmemory-policy $POLICY, appendonly $APPENDONLY)"
			return 0
		fi
		sleep 0.2
	done
	tail -n 20 "$LOG" >&2 || true
	die "Redis did not answer PING within ${TIMEOUT}s"
}

cmd_stop() { stop_server 30 0.2; }

cmd_status() {
	local pid
	if pid="$(running_pid)"; then
		if ping; then
			local have aof
			have="$(policy)"
			aof="$(appendonly)"
			echo "redis: running (pid $pid), answers PING on 127.0.0.1:$PORT${have:+, maxmemory-policy $have}${aof:+, appendonly $aof}"
		else
			echo "redis: running (pid $pid), no PING answer"
		fi
		return 0
	fi
	echo "redis: not running"
	return 3
}

case "${1:-}" in
start) cmd_start ;;
stop) cmd_stop ;;
status) cmd_status ;;
*)
	echo "usage: $0 start|stop|status" >&2
	exit 2
	;;
esac
