#!/usr/bin/env bash
# Side-by-side comparison of Tributary's lineage engine (engine/lineage) with
# sqlglot's column lineage, on the same views, on this machine, in one run.
#
#   bench/compare.sh [--synth-views N] [--py-reps R] [--go-mintime D] [--no-compiled] [--fresh] [--out DIR]
#
# 1. Installs sqlglot (pinned) into throwaway venvs under bench/.venv/ (git-ignored): one pure Python,
#    one with sqlglot's optional mypyc-compiled modules (the `sqlglot[c]` extra, package sqlglotc).
# 2. Writes the input set with bench/cmd/compareinputs: the 73 demo views, N generated views, bench_200.sql,
#    each set with its catalog.
# 3. Runs the sqlglot side (bench/sqlglot_lineage.py) in each venv, then the Go side (bench/cmd/enginebench,
#    GOMAXPROCS=1) on the views no sqlglot run failed on.
# 4. Prints the table, the throughput ratio and the agreement (bench/cmd/comparereport); keeps every file in
#    the output directory (default bench/out/compare, git-ignored).
#
# Throughput is per CPU second of the process (user+system), which the other work on a shared machine does not
# distort; wall-clock figures are printed next to it.
set -euo pipefail

SQLGLOT_VERSION=30.30.0
synth_views=100
py_reps=2
go_mintime=2s
compiled=1
fresh=0
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
out=$here/out/compare

usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }

while (($#)); do
	case $1 in
	--synth-views) synth_views=$2; shift 2 ;;
	--py-reps) py_reps=$2; shift 2 ;;
	--go-mintime) go_mintime=$2; shift 2 ;;
	--no-compiled) compiled=0; shift ;;
	--fresh) fresh=1; shift ;;
	--out) out=$2; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) echo "compare.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
	esac
done

python=${PYTHON:-python3}
command -v "$python" >/dev/null || { echo "compare.sh: $python not found (set PYTHON)" >&2; exit 1; }
command -v go >/dev/null || { echo "compare.sh: go not found" >&2; exit 1; }

# venv DIR SPEC: a venv at DIR with exactly SPEC installed (reused when it already has it, unless --fresh).
venv() {
	local dir=$1 spec=$2
	if ((fresh)) || [[ ! -x $dir/bin/python ]] || [[ $(cat "$dir/.spec" 2>/dev/null) != "$spec" ]]; then
		rm -rf "$dir"
		"$python" -m venv "$dir"
		"$dir/bin/python" -m pip install --quiet --disable-pip-version-check "$spec"
		echo "$spec" >"$dir/.spec"
	fi
}

echo "== sqlglot $SQLGLOT_VERSION venvs" >&2
venvs=("$here/.venv/sqlglot-$SQLGLOT_VERSION")
venv "${venvs[0]}" "sqlglot==$SQLGLOT_VERSION"
if ((compiled)); then
	venvs+=("$here/.venv/sqlglot-$SQLGLOT_VERSION-c")
	venv "${venvs[1]}" "sqlglot[c]==$SQLGLOT_VERSION"
fi

mkdir -p "$out/bin"
echo "== building the Go side" >&2
(cd "$root" && go build -o "$out/bin/" ./bench/cmd/compareinputs ./bench/cmd/enginebench ./bench/cmd/comparereport)

echo "== writing the input set" >&2
(cd "$root" && "$out/bin/compareinputs" -synth-views "$synth_views" -out "$out/inputs.json")

pyres=()
for v in "${venvs[@]}"; do
	name=$(basename "$v")
	echo "== sqlglot side: $name" >&2
	"$v/bin/python" "$here/sqlglot_lineage.py" --in "$out/inputs.json" --out "$out/$name.json" --reps "$py_reps"
	pyres+=("$out/$name.json")
done

echo "== Go side (GOMAXPROCS=1)" >&2
skip=$(IFS=,; echo "${pyres[*]}")
GOMAXPROCS=1 "$out/bin/enginebench" -in "$out/inputs.json" -out "$out/tributary.json" -mintime "$go_mintime" -skip "$skip"

{
	echo "Machine: $(uname -sm), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "Date: $(date -u +%Y-%m-%dT%H:%M:%SZ), commit $(cd "$root" && git rev-parse --short HEAD 2>/dev/null || echo unknown)"
	"$out/bin/comparereport" -in "$out/inputs.json" -go "$out/tributary.json" -diffs-out "$out/diffs.txt" -markdown-out "$out/tables.md" "${pyres[@]}"
} | tee "$out/report.txt"
echo "(files in $out; every differing column in $out/diffs.txt, the tables as Markdown in $out/tables.md)" >&2
