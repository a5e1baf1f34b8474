#!/usr/bin/env bash
# Benchmark (not a test): ukify build with a big random initrd vs the floor, `openssl dgst -sha256`
# of the output, and vs the classic objcopy --add-section recipe. Prints wall time (best of 3,
# warm page cache) and peak RSS. Usage: bench/ukify-build.sh [INITRD_MIB] (default 512).
source "$(dirname "$0")/common.sh"
stub=/usr/lib/systemd/boot/efi/linuxx64.efi.stub
printf 'console=ttyS0 quiet' > "$work/cmdline"
cat "$work/initrd" "$vmlinuz" "$stub" > /dev/null

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
row "ukify build (unsigned)" "$t_ukify" "$m_ukify"
row "openssl dgst -sha256 of output (floor)" "$t_floor" "$m_floor"
row "dd conv=fsync of output (durable copy)" "$t_copy" "$m_copy"
row "objcopy --add-section recipe" "$t_objcopy" "$m_objcopy"
awk -v a="$t_ukify" -v f="$t_floor" -v c="$t_copy" -v o="$t_objcopy" \
    'BEGIN { printf "ratio to floor: ukify %.2f, objcopy %.2f; ukify to durable copy: %.2f\n", a / f, o / f, a / c }'
