# shellcheck shell=bash
# Sourced by the benchmarks that run in a local stack of their own (zero-downtime, scale-out);
# not run by itself. `bench_stack NAME [output.md]` sets, for the sourcing script:
#   root        the repository          out         the optional report file
#   work        a scratch folder, removed on exit (a "stop" file in it ends a client loop)
#   state_root  .tableorder/NAME        state       the stack's folder (last-run.json, ports.json)
# and builds the Release build that `build ARGS...` runs in that state folder.
# `summary TASK KEY` reads a task's KEY (or its outcome's KEY) from last-run.json.

bench_stack() {
    root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
    cd "$root" || exit 1
    export NO_COLOR=1
    # shellcheck disable=SC2034  # read by the sourcing script
    out=${2:-}
    work=$(mktemp -d)
    state_root=$root/.tableorder/$1
    state=$state_root/local
    trap 'touch "$work/stop"; rm -rf "$work"' EXIT
    dotnet build build -c Release -v q -nologo >/dev/null
}

build() { dotnet "$root/build/bin/Release/net10.0/TableOrder.Build.dll" "--state-dir=$state_root" "$@"; }

summary() {
    python3 -c 'import json, sys
run = json.load(open(sys.argv[1]))
task = next((t for t in run["tasks"] if t["name"] == sys.argv[2]), {})
print(task.get(sys.argv[3], task.get("outcome", {}).get(sys.argv[3], "-")))' "$state/last-run.json" "$1" "$2"
}
