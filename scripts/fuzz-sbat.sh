#!/usr/bin/env bash
# Builds a libFuzzer binary from SBATKit's parser sources (with BinaryIO's CodedError) and
# Fuzz/SBATFuzzer.swift (swiftc -sanitize=fuzzer,address) and runs it for a bounded number of
# inputs, seeded with real .sbat and SbatLevel data. Fails on any crash, trap, leak or timeout. Usage: fuzz-sbat.sh [RUNS].
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-200000}
out=.build/fuzz
mkdir -p "$out/corpus"
sources=()
for name in SBATError SBATCSV SBATSection SBATLevel SBATLint BuiltinLevels; do
    sources+=("Sources/SBATKit/$name.swift")
done
# The parsers' error type comes from BinaryIO: build that one file as a small BinaryIO module first.
# The sanitizer runtime makes ld.gold print pages of harmless warnings: keep them for failures only.
{
    swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name BinaryIO -emit-module \
        -emit-module-path "$out/BinaryIO.swiftmodule" -emit-library -static -o "$out/libBinaryIO.a" \
        Sources/BinaryIO/CodedError.swift &&
        swiftc -sanitize=fuzzer,address -parse-as-library -O -module-name SBATFuzz -I "$out" -L "$out" -lBinaryIO \
            "${sources[@]}" Fuzz/SBATFuzzer.swift -o "$out/sbat-fuzzer"
} 2> "$out/build.log" || { cat "$out/build.log" >&2; exit 1; }
cp Tests/Fixtures/sbat.csv Tests/Fixtures/sbat/SbatLevel_Variable.txt "$out/corpus/"
printf 'sbat,1,2024040900\nshim,4\ngrub,4\ngrub.peimage,2\n' > "$out/corpus/level"
"$out/sbat-fuzzer" -runs="$runs" -max_len=4096 -timeout=10 -seed=1 "$out/corpus" 2>&1 | tail -3
