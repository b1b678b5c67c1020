#!/usr/bin/env bash
# Measures three local deploys and the time of each task, read from the run summary each build
# writes (<state folder>/last-run.json), never from log lines:
#   cold     nothing running (LocalDown --purge first; the machine image cache is kept)
#   no-op    the same Deploy again: nothing should be uploaded, switched or restarted
#   app-only one UI file of the app changed (--app-dir to a changed copy)
# Usage: sudo bash benchmarks/deploy-benchmark.sh [output.md]     (run from anywhere)
# It runs in its own state folder (.tableorder/benchmark), beside any stack of yours.
# Not a test: it prints a Markdown table (and writes it to the output file if given).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
export NO_COLOR=1
out=${1:-}
work=$(mktemp -d)
state_root=$root/.tableorder/benchmark
summary=$state_root/local/last-run.json
trap 'rm -rf "$work"' EXIT

build() { dotnet "$root/build/bin/Release/net10.0/TableOrder.Build.dll" "--state-dir=$state_root" "$@"; }
dotnet build build -c Release -v q -nologo >/dev/null

# One row from a run summary: wall time, each task's seconds, and what the run changed.
row() {
    python3 - "$1" "$2" <<'PY'
import json, sys
name, path = sys.argv[1], sys.argv[2]
run = json.load(open(path))
tasks = {t["name"]: t for t in run["tasks"]}
def seconds(task):
    return "%.1f" % tasks[task]["seconds"] if task in tasks else "-"
def outcome(task, key):
    return tasks.get(task, {}).get("outcome", {}).get(key)
total = sum(t["seconds"] for t in run["tasks"])
uploaded = "yes" if outcome("Release", "uploaded") else "no"
changed = "yes" if outcome("Activate", "switched") or outcome("Bootstrap", "restarted") else "no"
cells = [name, "%.1f" % total, "%.1f" % run["seconds"]] + [seconds(t) for t in
         ["Provision", "WaitForServer", "Bootstrap", "Release", "Migrate", "Activate", "Smoke"]] + [uploaded, changed]
print("| " + " | ".join(cells) + " |")
PY
}

run() {
    local name=$1; shift
    build --target=Deploy "$@" >"$work/$name.log" 2>&1 || { echo "benchmark: $name deploy failed; see its log:" >&2; tail -n 30 "$work/$name.log" >&2; exit 1; }
    row "$name" "$summary" >"$work/$name.row"
}

build --target=LocalDown --purge >/dev/null
run cold
run noop
cp -r app-deploy/reference-app "$work/app"
sed -i 's#</body>#<!-- benchmark change '"$(date +%s)"' --></body>#' "$work/app/ui/customer/index.html"
run app-only "--app-dir=$work/app"
build --target=LocalDown >/dev/null   # the benchmark's stack goes; yours is untouched

{
    echo "| deploy | tasks (s) | wall (s) | Provision | WaitForServer | Bootstrap | Release | Migrate | Activate | Smoke | uploaded | switched/restarted |"
    echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
    cat "$work/cold.row" "$work/noop.row" "$work/app-only.row"
    echo
    echo "Measured $(date -u +%Y-%m-%d) on $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; the machine image was already cached."
} | tee "${out:-/dev/null}"
