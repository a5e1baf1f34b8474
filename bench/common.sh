# Shared by the benchmark scripts (sourced, not run): release build, Debian kernel, a scratch
# directory with a random initrd of $size MiB, and `measure` (best-of-3 timing).
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-512}
swift build -c release >/dev/null
ukify=$(swift build -c release --show-bin-path)/ukify
measure_tool=$(swift build -c release --show-bin-path)/measure
scripts/fetch-kernel.sh >/dev/null
vmlinuz=$(ls .cache/kernel/boot/vmlinuz-*)
work=$(mktemp -d "${TMPDIR:-/tmp}/ukify-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
head -c "${size}M" /dev/urandom > "$work/initrd"

# Best of 3 runs with a warm page cache: prints "seconds peak_rss_kib"; a failing run aborts.
measure() {
    local best="" rss=""
    for _ in 1 2 3; do
        /usr/bin/time -o "$work/time" -f '%e %M' "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; exit 1; }
        local line t m
        line=$(tail -1 "$work/time")
        t=${line% *} m=${line#* }
        if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
        if [ -z "$rss" ] || [ "$m" -gt "$rss" ]; then rss=$m; fi
    done
    echo "$best $rss"
}

row() { printf '%-40s %8s s  %8s KiB peak RSS\n' "$1" "$2" "$3"; }
