#!/usr/bin/env bash
# Regenerates man/*.1 from the command trees (swift-argument-parser's generate-manual plugin).
# With --check, fails when the checked-in pages differ from the generated ones (the .Dd date aside).
set -euo pipefail
cd "$(dirname "$0")/.."
generated=$(mktemp -d)
trap 'rm -rf "$generated"' EXIT
swift package --allow-writing-to-directory "$generated" generate-manual --output-directory "$generated" >/dev/null
status=0
for page in "$generated"/*.1; do
    name=$(basename "$page")
    if [ "${1:-}" = "--check" ]; then
        if ! diff <(grep -v '^\.Dd ' "man/$name") <(grep -v '^\.Dd ' "$page") >/dev/null; then
            echo "man/$name is out of date: run scripts/update-man.sh" >&2
            status=1
        fi
    else
        cp "$page" "man/$name"
    fi
done
exit $status
