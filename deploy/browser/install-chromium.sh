#!/usr/bin/env bash
# Installs Debian's Chromium for the Neo4j Browser test (e2e/browser), unless it is there.
# Idempotent: returns at once when /usr/bin/chromium exists. Needs root or sudo and apt.
#   deploy/browser/install-chromium.sh
set -euo pipefail

log() { echo "install-chromium: $*" >&2; }
die() { log "$*"; exit 1; }

CHROMIUM="${TRIBUTARY_CHROMIUM:-/usr/bin/chromium}"
if [[ -x "$CHROMIUM" ]]; then
	exit 0
fi
command -v apt-get >/dev/null 2>&1 || die "no apt-get: install Chromium yourself and set TRIBUTARY_CHROMIUM to its path"
sudo=""
if [[ "$(id -u)" != 0 ]]; then
	command -v sudo >/dev/null 2>&1 || die "not root and no sudo: install Debian's chromium package yourself"
	sudo="sudo"
fi
log "chromium is missing, installing Debian's package"
start=$SECONDS
for attempt in 1 2 3; do
	if $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null &&
		$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium >/dev/null; then
		break
	fi
	((attempt < 3)) || die "apt-get could not install chromium"
	log "apt-get failed (attempt $attempt of 3), retrying in 5s"
	sleep 5
done
[[ -x "$CHROMIUM" ]] || die "chromium installed but $CHROMIUM is missing"
log "installed $("$CHROMIUM" --version 2>/dev/null || echo chromium) in $((SECONDS - start))s"
