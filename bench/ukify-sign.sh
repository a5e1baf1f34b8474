#!/usr/bin/env bash
# Benchmark (not a test): ukify sign/verify on a UKI with a big random initrd vs sbsign,
# osslsigncode and sbverify, against the floor `openssl dgst -sha256` of the same file. Best of 3
# wall times with a warm page cache, and peak RSS. Usage: bench/ukify-sign.sh [INITRD_MIB] (512).
source "$(dirname "$0")/common.sh"
key=Tests/Fixtures/db.key
cert=Tests/Fixtures/db.crt

"$ukify" build --linux="$vmlinuz" --initrd="$work/initrd" --cmdline=quiet --os-release=@/etc/os-release \
    --uname=bench -o "$work/uki.efi" 2>/dev/null
"$ukify" sign --secureboot-private-key=$key --secureboot-certificate=$cert -o "$work/signed.efi" "$work/uki.efi"
cat "$work/uki.efi" "$work/signed.efi" "$work/initrd" > /dev/null

read -r t_floor m_floor < <(measure openssl dgst -sha256 "$work/uki.efi")
read -r t_sign m_sign < <(measure "$ukify" sign --secureboot-private-key=$key --secureboot-certificate=$cert \
    -o "$work/out1.efi" "$work/uki.efi")
read -r t_sbsign m_sbsign < <(measure sbsign --key $key --cert $cert --output "$work/out2.efi" "$work/uki.efi")
# osslsigncode will not overwrite its output: remove it first (rm costs nothing next to signing).
read -r t_ossl m_ossl < <(measure sh -c 'rm -f "$1" && exec osslsigncode sign -key "$2" -certs "$3" -in "$4" -out "$1"' sh \
    "$work/out3.efi" $key $cert "$work/uki.efi")
read -r t_verify m_verify < <(measure "$ukify" verify --cert=$cert "$work/signed.efi")
read -r t_sbverify m_sbverify < <(measure sbverify --cert $cert "$work/signed.efi")
read -r t_build m_build < <(measure "$ukify" build --linux="$vmlinuz" --initrd="$work/initrd" --cmdline=quiet \
    --os-release=@/etc/os-release --uname=bench --secureboot-private-key=$key --secureboot-certificate=$cert \
    -o "$work/built.efi")
read -r t_copy m_copy < <(measure dd if="$work/uki.efi" of="$work/copy.efi" bs=1M conv=fsync status=none)

printf 'initrd: %s MiB, UKI: %s bytes\n' "$size" "$(stat -c %s "$work/uki.efi")"
row "openssl dgst -sha256 (floor)" "$t_floor" "$m_floor"
row "dd conv=fsync (durable copy)" "$t_copy" "$m_copy"
row "ukify sign" "$t_sign" "$m_sign"
row "sbsign" "$t_sbsign" "$m_sbsign"
row "osslsigncode sign" "$t_ossl" "$m_ossl"
row "ukify verify" "$t_verify" "$m_verify"
row "sbverify" "$t_sbverify" "$m_sbverify"
row "ukify build + sign" "$t_build" "$m_build"
awk -v f="$t_floor" -v s="$t_sign" -v v="$t_verify" -v b="$t_build" -v c="$t_copy" 'BEGIN {
    printf "ratios to the floor: sign %.2f (target 1.5), verify %.2f (target 1.1), build+sign %.2f (target 2.0)\n", s / f, v / f, b / f
    printf "ratios to a durable copy: sign %.2f, build+sign %.2f\n", s / c, b / c }'
