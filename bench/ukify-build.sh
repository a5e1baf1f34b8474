#!/usr/bin/env bash
# Benchmark (not a test): ukify build with a big random initrd vs the floor, `openssl dgst -sha256`
# of the output, and vs the classic objcopy --add-section recipe. Prints wall time (best of 3,
# warm page cache) and peak RSS. Usage: bench/ukify-build.sh [INITRD_MIB] (default 512).
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-512}
swift build -c release >/dev/null
ukify=$(swift build -c release --show-bin-path)/ukify
scripts/fetch-kernel.sh >/dev/null
vmlinuz=$(ls .cache/kernel/boot/vmlinuz-*)
stub=/usr/lib/systemd/boot/efi/linuxx64.efi.stub
work=$(mktemp -d "${TMPDIR:-/tmp}/ukify-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

head -c "${size}M" /dev/urandom > "$work/initrd"
printf 'console=ttyS0 quiet' > "$work/cmdline"
cat "$work/initrd" "$vmlinuz" "$stub" > /dev/null

# best of 3: prints "seconds max_rss_kib"
measure() {
    local best="" rss=""
    for _ in 1 2 3; do
        /usr/bin/time -o "$work/time" -f '%e %M' "$@" >/dev/null 2>&1
        local line t m
        line=$(tail -1 "$work/time")
        t=${line% *} m=${line#* }
        if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
        if [ -z "$rss" ] || [ "$m" -gt "$rss" ]; then rss=$m; fi
    done
    echo "$best $rss"
}

read -r t_ukify m_ukify < <(measure "$ukify" build --linux="$vmlinuz" --initrd="$work/initrd" --cmdline=@"$work/cmdline" \
    --os-release=@/etc/os-release --uname=bench -o "$work/uki.efi")
read -r t_floor m_floor < <(measure openssl dgst -sha256 "$work/uki.efi")
# What any tool that fsyncs its output pays on this disk: a durable copy of the same bytes.
read -r t_copy m_copy < <(measure dd if="$work/uki.efi" of="$work/copy.efi" bs=1M conv=fsync status=none)
# The classic recipe (Arch wiki style, fixed VMAs): no alignment care, no SBAT merge.
read -r t_objcopy m_objcopy < <(measure objcopy \
    --add-section .osrel=/etc/os-release --change-section-vma .osrel=0x20000 \
    --add-section .cmdline="$work/cmdline" --change-section-vma .cmdline=0x30000 \
    --add-section .linux="$vmlinuz" --change-section-vma .linux=0x2000000 \
    --add-section .initrd="$work/initrd" --change-section-vma .initrd=0x3000000 \
    "$stub" "$work/objcopy.efi")

printf 'initrd: %s MiB, output: %s bytes\n' "$size" "$(stat -c %s "$work/uki.efi")"
printf '%-34s %8s s  %8s KiB peak RSS\n' "ukify build (unsigned)" "$t_ukify" "$m_ukify" \
    "openssl dgst -sha256 of output" "$t_floor" "$m_floor" "dd conv=fsync of output" "$t_copy" "$m_copy" \
    "objcopy --add-section recipe" "$t_objcopy" "$m_objcopy"
awk -v a="$t_ukify" -v f="$t_floor" -v c="$t_copy" -v o="$t_objcopy" \
    'BEGIN { printf "ratio to floor: ukify %.2f, objcopy %.2f; ukify to durable copy: %.2f\n", a / f, o / f, a / c }'
