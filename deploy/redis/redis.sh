#!/usr/bin/env bash
# Runs a local Redis for Tributary without Docker, from Debian's redis-server.
#
#   deploy/redis/redis.sh start    install redis-server if missing, start it on
#                                  127.0.0.1 in the background, wait for PING
#   deploy/redis/redis.sh stop     stop it by its pid and wait for it
#   deploy/redis/redis.sh status   say whether it runs (exit 0) or not (exit 3)
#
# Environment:
#   TRIBUTARY_REDIS_PORT           port (default 6379)
#   TRIBUTARY_REDIS_START_TIMEOUT  seconds to wait for PING (default 30)
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VAR="$HERE/var"
PORT="${TRIBUTARY_REDIS_PORT:-6379}"
PIDFILE="$VAR/redis-$PORT.pid"
LOG="$VAR/redis-$PORT.log"
TIMEOUT="${TRIBUTARY_REDIS_START_TIMEOUT:-30}"

log() { printf 'redis: %s\n' "$*" >&2; }
die() {
	log "$*"
	exit 1
}

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
running_pid() {
	[[ -f "$PIDFILE" ]] || return 1
	local pid
	pid="$(cat "$PIDFILE")"
	[[ "$pid" =~ ^[0-9]+$ ]] || return 1
	[[ -r "/proc/$pid/cmdline" ]] || return 1
	local cmdline
	cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline")"
	[[ "$cmdline" == *"redis-server"* ]] || return 1
	printf '%s\n' "$pid"
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

cmd_start() {
	local pid
	if pid="$(running_pid)" && ping; then
		log "already running (pid $pid)"
		return 0
	fi
	if ping; then
		log "a Redis not started from $HERE already answers PING on 127.0.0.1:$PORT; using it"
		return 0
	fi
	install_redis
	mkdir -p "$VAR"
	rm -f "$PIDFILE"
	# No persistence: the jobs a test or demo queues need not survive a restart.
	redis-server - >/dev/null <<EOF || die "redis-server did not start; see $LOG"
bind 127.0.0.1 -::1
protected-mode yes
port $PORT
daemonize yes
pidfile $PIDFILE
logfile $LOG
dir $VAR
save ""
appendonly no
databases 16
maxmemory 256mb
maxmemory-policy noeviction
EOF
	local start=$SECONDS
	while ((SECONDS - start < TIMEOUT)); do
		if ping && pid="$(running_pid)"; then
			log "ready after $((SECONDS - start))s on 127.0.0.1:$PORT (pid $pid)"
			return 0
		fi
		sleep 0.2
	done
	tail -n 20 "$LOG" >&2 || true
	die "Redis did not answer PING within ${TIMEOUT}s"
}

cmd_stop() {
	local pid
	if ! pid="$(running_pid)"; then
		rm -f "$PIDFILE"
		log "not running"
		return 0
	fi
	log "stopping pid $pid"
	kill -TERM "$pid"
	local start=$SECONDS
	while kill -0 "$pid" 2>/dev/null; do
		if ((SECONDS - start >= 30)); then
			log "pid $pid still alive after 30s, sending SIGKILL"
			kill -KILL "$pid" 2>/dev/null || true
		fi
		sleep 0.2
	done
	rm -f "$PIDFILE"
	log "stopped"
}

cmd_status() {
	local pid
	if pid="$(running_pid)"; then
		if ping; then
			echo "redis: running (pid $pid), answers PING on 127.0.0.1:$PORT"
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
