#!/usr/bin/env bash
# Installs the official OpenLineage Python client (openlineage-python from PyPI, pinned) into a
# throwaway venv and prints the venv's python on stdout:
#
#   e2e/openlineage/venv.sh [--fresh]
#
# The venv lives in var/venv-openlineage (git-ignored) and is reused while it holds exactly the
# pinned version. The Go integration test (cmd/tributary: TestOpenLineageOfficialClient) runs it, then runs
# e2e/openlineage/emit.py with that python against a test server.
set -euo pipefail

OPENLINEAGE_VERSION=1.54.0
fresh=0
while (($#)); do
	case $1 in
	--fresh) fresh=1; shift ;;
	-h | --help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "openlineage venv: unknown argument $1" >&2; exit 2 ;;
	esac
done

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
venv=$root/var/venv-openlineage
python=${PYTHON:-python3}
command -v "$python" >/dev/null || { echo "openlineage venv: $python not found (set PYTHON)" >&2; exit 1; }

spec="openlineage-python==$OPENLINEAGE_VERSION"
if ((fresh)) || [[ ! -x $venv/bin/python ]] || [[ $(cat "$venv/.spec" 2>/dev/null) != "$spec" ]]; then
	echo "== installing $spec into $venv" >&2
	rm -rf "$venv"
	mkdir -p "$(dirname "$venv")"
	"$python" -m venv "$venv" >&2 || { echo "openlineage venv: python venv failed (Debian: apt-get install python3-venv)" >&2; exit 1; }
	"$venv/bin/python" -m pip install --quiet --disable-pip-version-check "$spec" >&2 || { echo "openlineage venv: pip install $spec failed" >&2; exit 1; }
	echo "$spec" >"$venv/.spec"
fi
echo "$venv/bin/python"
