#!/usr/bin/env bash
# Our ukify and measure next to the tools people use today, on one machine, for initrds of the given
# sizes in MiB (default: 64 512 2048 3900): build + Secure Boot + PCR signing, unsigned build, sign,
# verify, and measure calculate with 4 banks. Peers: Debian 13's ukify 257 (with sbsign and its
# systemd-measure 257, unpacked by scripts/fetch-systemd.sh, not installed), sbsign, osslsigncode,
# sbverify, systemd-measure 257. Floors: `openssl dgst -sha256` of the output (one hash pass) and
# `dd conv=fsync` of the output (one durable copy). Prints a Markdown table of hyperfine medians
# (RUNS runs each, default 5) and the peak RSS of one run (/usr/bin/time); the last column divides
# ours by the hash floor (dgst), the copy floor (dd) or the peer. Before each run the outputs of
# earlier runs are removed and `sync` runs, so that no run pays for an earlier one's writeback or
# for freeing its blocks (on a file system mounted `discard`, replacing a file discards the old
# one's blocks synchronously: 70 ms for 512 MiB here, 80-260 ms for 2 GiB). Ours are the tools
# `make install` installs (static Swift runtime), built by `make`. Needs scripts/install-deps.sh;
# work files go to $BENCH_DIR (default out/bench), about 3 × the largest size.
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=("${@:-64 512 2048 3900}")
read -r -a sizes <<< "${sizes[*]}"
runs=${RUNS:-5}
work=${BENCH_DIR:-out/bench}
make --no-print-directory >/dev/null
bin=.build-static/release
ukify=$bin/ukify
measure=$bin/measure
scripts/fetch-kernel.sh >/dev/null
scripts/fetch-systemd.sh >/dev/null
for tool in hyperfine sbsign sbverify osslsigncode openssl; do
    command -v "$tool" >/dev/null || { echo "bench: $tool is missing: run scripts/install-deps.sh" >&2; exit 1; }
done
systemd257=.cache/systemd257
stub=$systemd257/root/usr/lib/systemd/boot/efi/linuxx64.efi.stub
vmlinuz=$(ls .cache/kernel/boot/vmlinuz-*)
keys=Tests/Fixtures
mkdir -p "$work"
out=$work/out.efi

# median SECONDS of a command line (run by sh -c), or "fails" when it does not succeed (sbsign
# crashes on images of 2 GiB and more)
median() {
    if hyperfine --runs "$runs" --warmup 1 --prepare "rm -f $out $out.o $work/copy.efi; sync" --style none --export-json "$work/run.json" -- "$1" >/dev/null 2>&1; then
        python3 -c 'import json,sys; print("%.3f" % json.load(open(sys.argv[1]))["results"][0]["median"])' "$work/run.json"
    else
        echo fails
    fi
}
# " s, PEAK MiB" of one run, or nothing when the median says it fails
rss() {
    [ "$2" = fails ] && return
    /usr/bin/time -f %M -o "$work/rss" sh -c "$1" >/dev/null 2>&1
    echo " s, $(( $(cat "$work/rss") / 1024 )) MiB"
}
row() { # job, ours command, peer name, peer command, what ours is compared with: dgst, dd or peer
    local ours peer base
    ours=$(median "$2"); peer=$(median "$4")
    [ "$ours" != fails ] || { echo "bench: ours failed: $2" >&2; exit 1; }
    case $5 in dgst) base=$hash_floor ;; dd) base=$copy_floor ;; peer) base=$peer ;; esac
    printf '| %s | %s | %s%s | %s: %s%s | %.2f× %s |\n' "$size MiB" "$1" "$ours" "$(rss "$2" "$ours")" "$3" "$peer" \
        "$(rss "$4" "$peer")" "$(python3 -c "print($ours / $base)")" "$5"
}

echo "Machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%d GiB", $2 / 1048576 }' /proc/meminfo), $(uname -r); runs: $runs"
echo
echo "| size | job | ours | peer | ours ÷ (dgst, dd or peer) |"
echo "|---|---|---|---|---|"
for size in "${sizes[@]}"; do
    initrd=$work/initrd-$size
    [ "$(stat -c %s "$initrd" 2>/dev/null || echo 0)" -eq $((size << 20)) ] ||
        head -c $((size << 20)) /dev/urandom > "$initrd"
    common="--linux=$vmlinuz --initrd=$initrd --cmdline=quiet --os-release=ID=bench --uname=6.1 --stub=$stub"
    sb="--secureboot-private-key=$keys/db.key --secureboot-certificate=$keys/db.crt"
    pcr="--pcr-private-key=$keys/measure/pcr-priv.pem --pcr-public-key=$keys/measure/pcr-pub.pem --pcr-banks=sha256"
    "$ukify" build $common -o "$work/unsigned.efi" 2>/dev/null
    hash_floor=$(median "openssl dgst -sha256 $work/unsigned.efi")
    copy_floor=$(median "dd if=$work/unsigned.efi of=$work/copy.efi bs=1M conv=fsync status=none")
    echo "| $size MiB | floors | openssl dgst -sha256: $hash_floor s | dd conv=fsync: $copy_floor s | |"
    row "build + Secure Boot + PCR sign" "$ukify build $common $sb $pcr -o $out" \
        "ukify 257 + sbsign + systemd-measure 257" \
        "$systemd257/bin/ukify build $common $sb $pcr --signtool=sbsign --tools=$systemd257/bin -o $out" dgst
    row "build unsigned" "$ukify build $common -o $out" "ukify 257" \
        "$systemd257/bin/ukify build $common -o $out" dd
    row "sign" "$ukify sign $sb -o $out $work/unsigned.efi" "sbsign" \
        "sbsign --key $keys/db.key --cert $keys/db.crt --output $out $work/unsigned.efi" dgst
    row "sign" "$ukify sign $sb -o $out $work/unsigned.efi" "osslsigncode" \
        "osslsigncode sign -key $keys/db.key -certs $keys/db.crt -h sha256 -in $work/unsigned.efi -out $out.o && mv $out.o $out" dgst
    "$ukify" sign $sb -o "$work/signed.efi" "$work/unsigned.efi"
    row "verify" "$ukify verify --cert=$keys/db.crt $work/signed.efi" "sbverify" \
        "sbverify --cert $keys/db.crt $work/signed.efi" dgst
    sections="--linux=$vmlinuz --initrd=$initrd --bank=sha1 --bank=sha256 --bank=sha384 --bank=sha512"
    row "measure calculate, 4 banks" "$measure calculate $sections" "systemd-measure 257" \
        "$systemd257/bin/systemd-measure calculate $sections" peer
done
