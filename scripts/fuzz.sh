#!/usr/bin/env bash
# Builds the libFuzzer targets of the fuzz package in Fuzz/ (one per input format, with
# -sanitize=fuzzer,address) and runs each for RUNS inputs, one target at a time, starting from
# seeds made from the test fixtures. Fails on any crash, trap, broken round trip, leak or timeout;
# the input that failed is kept in .build-fuzz/artifacts/ (replay it: .build-fuzz/release/fuzz-TARGET FILE).
# Usage: fuzz.sh [RUNS] [TARGET...]
# Targets: pe load-option device-path-text varstore pcrsig ini gpt sbat (default: all of them).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-200000}
shift $(($# > 0 ? 1 : 0))
all=(pe load-option device-path-text varstore pcrsig ini gpt sbat)
targets=("${@:-${all[@]}}")
out=.build-fuzz
fixtures=Tests/Fixtures
mkdir -p "$out/logs" "$out/artifacts"

# ld.gold stops with an internal error on these binaries; lld links them.
swift build -c release --package-path Fuzz --scratch-path "$out" -Xswiftc -sanitize=fuzzer,address \
    -Xswiftc -use-ld=lld > "$out/logs/build.log" 2>&1 || { cat "$out/logs/build.log" >&2; exit 1; }

# Seeds, made anew in $out/seeds/TARGET on every run.
seed_pe() {
    cp "$fixtures"/linuxx64.efi.stub* "$fixtures"/uki-*.efi "$1/"
    rm "$1/linuxx64.efi.stub.sbsign.p7.der"
}
# Boot#### variables (efivarfs files: 4 bytes of attributes, then the load option) and the spec's
# load options and their device path lists.
seed_load_option() {
    for variable in "$fixtures"/efi/efivarfs*/Boot0*; do
        tail -c +5 "$variable" > "$1/$(basename "$(dirname "$variable")")-${variable##*/}"
    done
    python3 - "$fixtures/efi/load-options.json" "$1" << 'EOF'
import json, sys
for index, option in enumerate(json.load(open(sys.argv[1]))):
    for field in ("load_option_hex", "file_path_list_hex"):
        open(f"{sys.argv[2]}/{index}-{field}", "wb").write(bytes.fromhex(option[field]))
EOF
}
# The spec's device paths as EDK2 prints them and as efibootmgr 17 prints them.
seed_device_path_text() {
    python3 - "$fixtures/efi/load-options.json" "$1" << 'EOF'
import json, sys
for index, option in enumerate(json.load(open(sys.argv[1]))):
    open(f"{sys.argv[2]}/{index}-edk2", "w").write(option["edk2_DevicePathToText(DisplayOnly=FALSE)"])
    open(f"{sys.argv[2]}/{index}-efibootmgr", "w").write(option["efibootmgr17_efivar37_line"].split("\t", 1)[1])
EOF
}
# OVMF's empty store as shipped, and its stores (empty, with Microsoft's keys, after an HTTP boot
# with its boot entries) cut after their variables plus 4 KiB free, with the store's Size to match:
# small inputs keep the fuzzer fast.
seed_varstore() {
    cp /usr/share/OVMF/OVMF_VARS.fd "$1/"
    gunzip -c "$fixtures/efi/after-ovmf-http-boot.fd.gz" > "$1/after-ovmf-http-boot.fd"
    python3 - "$1" /usr/share/OVMF/OVMF_VARS.fd /usr/share/OVMF/OVMF_VARS.ms.fd "$1/after-ovmf-http-boot.fd" << 'EOF'
import os, struct, sys
for path in sys.argv[2:]:
    data = open(path, "rb").read()
    store = struct.unpack_from("<H", data, 48)[0]  # HeaderLength of the firmware volume header
    size = struct.unpack_from("<I", data, store + 16)[0]  # VARIABLE_STORE_HEADER Size
    used = len(data[store:store + size].rstrip(b"\xff"))
    compact = bytearray(data[:store + min(size, (used + 0x1000 + 3) & ~3)])
    struct.pack_into("<I", compact, store + 16, len(compact) - store)
    open(f"{sys.argv[1]}/compact-{os.path.basename(path)}", "wb").write(compact)
EOF
    rm "$1/after-ovmf-http-boot.fd"
}
seed_pcrsig() {
    cp "$fixtures"/measure/*.json "$1/"
}
seed_ini() {
    printf '[UKI]\nLinux=vmlinuz\nInitrd=initrd.img\n  more.img\nCmdline=root=/dev/sda ro # comment\n' > "$1/uki"
    cat > "$1/pcr" << 'EOF'
# ukify.conf
[UKI]
SecureBootPrivateKey=db.key
SecureBootCertificate=db.crt

[PCRSignature:initrd]
PCRPrivateKey=pcr-initrd.key
PCRPublicKey=pcr-initrd.pub.pem
Phases=enter-initrd

[PCRSignature:system]
PCRPrivateKey = pcr-system.key
Phases=enter-initrd:leave-initrd enter-initrd:leave-initrd:sysinit
EOF
}
# A GPT disk as sfdisk writes it (512-byte sectors), cut after the entry array: the reader looks
# no further.
seed_gpt() {
    truncate -s 16M "$1/disk"
    printf 'label: gpt\nsize=2MiB, type=uefi\nsize=4MiB, type=linux\ntype=linux\n' | sfdisk --quiet "$1/disk"
    head -c $((34 * 512)) "$1/disk" > "$1/gpt"
    rm "$1/disk"
}
seed_sbat() {
    cp "$fixtures"/sbat.csv "$fixtures"/sbat/SbatLevel_Variable.txt "$1/"
    printf 'sbat,1,2024040900\nshim,4\ngrub,4\ngrub.peimage,2\n' > "$1/level"
}

for target in "${targets[@]}"; do
    binary="$out/release/fuzz-$target"
    [ -x "$binary" ] || { echo "fuzz.sh: no target '$target' (targets: ${all[*]})" >&2; exit 64; }
    rm -rf "$out/seeds/$target"
    mkdir -p "$out/seeds/$target" "$out/corpus/$target"
    "seed_${target//-/_}" "$out/seeds/$target"
    log="$out/logs/$target.log"
    # New inputs go to the first directory, which is kept between runs; the seeds are read only.
    if ! SWIFT_BACKTRACE=enable=no "$binary" -runs="$runs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$out/artifacts/$target-" "$out/corpus/$target" "$out/seeds/$target" > "$log" 2>&1; then
        tail -40 "$log" >&2
        echo "fuzz.sh: $target failed (log: $log)" >&2
        exit 1
    fi
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    echo "fuzz $target: $executions executions ($speed/s), no crash; corpus $(ls "$out/corpus/$target" | wc -l) inputs"
done
