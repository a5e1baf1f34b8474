#!/usr/bin/env bash
# Regenerates man/bootchain-*.1, the pages of the installed names, from two sources per tool:
#   - the command tree (swift-argument-parser's generate-manual plugin): NAME, SYNOPSIS, DESCRIPTION with
#     every subcommand and option, and EXIT STATUS from the "Exit status: CODE TEXT; ..." sentence that ends
#     the tool's --help text (ExitStatus.summary), so the table and --help never disagree;
#   - man/sections/TOOL.mdoc: ENVIRONMENT, FILES, EXAMPLES, SEE ALSO (mdoc), in any order.
# With --check, fails when the checked-in pages differ from the generated ones (the .Dd date aside).
set -euo pipefail
cd "$(dirname "$0")/.."
generated=$(mktemp -d)
trap 'rm -rf "$generated"' EXIT
swift package --allow-writing-to-directory "$generated" generate-manual --output-directory "$generated" >/dev/null
status=0
for page in "$generated"/*.1; do
    tool=$(basename "$page" .1)
    name=bootchain-$tool
    sections=man/sections/$tool.mdoc
    [ -f "$sections" ] || { echo "update-man.sh: $sections is missing" >&2; exit 66; }
    awk -v tool="$tool" -v name="$name" -v sections="$sections" '
        function emit(section) {
            if (section in extra) { printf ".Sh %s\n%s", section, extra[section]; delete extra[section] }
        }
        BEGIN {
            while ((getline line < sections) > 0) {
                if (line ~ /^\.Sh /) { current = substr(line, 5); gsub(/"/, "", current); extra[current] = ""; continue }
                if (current == "") { print sections ": text before the first .Sh" > "/dev/stderr"; exit 65 }
                extra[current] = extra[current] line "\n"
            }
        }
        $0 == ".Dt " toupper(tool) " 1" { print ".Dt " toupper(name) " 1"; next }
        $0 == ".Nm " tool { print ".Nm " name; next }
        $0 == ".Sh \"EXIT STATUS\"" || $0 == ".Ex -std" { next }
        index($0, "Exit status: ") {
            at = index($0, "Exit status: ")
            summary = substr($0, at + 13)
            sub(/\.$/, "", summary)
            head = substr($0, 1, at - 1)
            sub(/ +$/, "", head)
            if (head != "") print head
            next
        }
        { print }
        END {
            if (summary == "") { print tool ": no \"Exit status:\" sentence in its --help" > "/dev/stderr"; exit 65 }
            emit("ENVIRONMENT"); emit("FILES")
            print ".Sh EXIT STATUS"
            print ".Bl -tag -width Ds"
            count = split(summary, rows, "; ")
            for (i = 1; i <= count; i++) {
                space = index(rows[i], " ")
                print ".It " substr(rows[i], 1, space - 1)
                print substr(rows[i], space + 1)
            }
            print ".El"
            emit("EXAMPLES"); emit("SEE ALSO")
            for (section in extra) { print sections ": unexpected section " section > "/dev/stderr"; exit 65 }
        }
    ' "$page" >"$generated/$name.1"
    if [ "${1:-}" = "--check" ]; then
        if ! diff <(grep -v '^\.Dd ' "man/$name.1") <(grep -v '^\.Dd ' "$generated/$name.1") >/dev/null; then
            echo "man/$name.1 is out of date: run scripts/update-man.sh" >&2
            status=1
        fi
    else
        cp "$generated/$name.1" "man/$name.1"
    fi
done
exit $status
