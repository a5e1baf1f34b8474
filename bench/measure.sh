#!/usr/bin/env bash
# Benchmark (not a test): `measure calculate` on a big random file vs systemd-measure (v252) and
# the floor `openssl dgst -sha256`; `ukify build` with Secure Boot and PCR signing vs the floor
# over its output. Best of 3 wall times with a warm page cache, and peak RSS.
# Usage: bench/measure.sh [INITRD_MIB] (512).
source "$(dirname "$0")/common.sh"
systemd_measure=/usr/lib/systemd/systemd-measure
keys=Tests/Fixtures
cat "$work/initrd" > /dev/null

read -r t_floor m_floor < <(measure openssl dgst -sha256 "$work/initrd")
read -r t_one m_one < <(measure "$measure_tool" calculate --linux="$work/initrd" --bank=sha256 --phase=)
read -r t_sd_one m_sd_one < <(measure $systemd_measure calculate --linux="$work/initrd" --bank=sha256 --phase=)
read -r t_all m_all < <(measure "$measure_tool" calculate --linux="$work/initrd" --phase=)
read -r t_sd_all m_sd_all < <(measure $systemd_measure calculate --linux="$work/initrd" --phase=)

build=("$ukify" build --linux="$vmlinuz" --initrd="$work/initrd" --cmdline=quiet --os-release=@/etc/os-release
    --uname=bench --secureboot-private-key=$keys/db.key --secureboot-certificate=$keys/db.crt
    --pcr-private-key=$keys/measure/pcr-priv.pem -o "$work/uki.efi")
"${build[@]}" 2>/dev/null
read -r t_uki_floor m_uki_floor < <(measure openssl dgst -sha256 "$work/uki.efi")
read -r t_build m_build < <(measure "${build[@]}")

printf 'input: %s MiB, UKI: %s bytes, %s cores\n' "$size" "$(stat -c %s "$work/uki.efi")" "$(nproc)"
row "openssl dgst -sha256 (floor)" "$t_floor" "$m_floor"
row "measure calculate, sha256" "$t_one" "$m_one"
row "systemd-measure calculate, sha256" "$t_sd_one" "$m_sd_one"
row "measure calculate, 4 banks" "$t_all" "$m_all"
row "systemd-measure calculate, 4 banks" "$t_sd_all" "$m_sd_all"
row "openssl dgst -sha256 of the UKI (floor)" "$t_uki_floor" "$m_uki_floor"
row "ukify build + SB sign + PCR sign" "$t_build" "$m_build"
awk -v f="$t_floor" -v one="$t_one" -v all="$t_all" -v sd="$t_sd_all" -v uf="$t_uki_floor" -v b="$t_build" 'BEGIN {
    printf "sha256 vs floor %.2f (target 1.1); 4 banks vs systemd-measure %.2f (target 0.6); build vs floor %.2f (target 2.5)\n",
        one / f, all / sd, b / uf }'
echo "peak RSS of the build: $m_build KiB (target 65536)"
