#!/usr/bin/env bash
# completion.sh TOOL SHELL: TOOL's completion script for SHELL (bash, zsh, fish), registered for the
# installed name bootchain-NAME instead of NAME (systemd's bootctl and ukify keep their own).
# ArgumentParser writes the command name into the lines that register the script and, for fish, into
# the command paths the conditions compare; those lines alone are renamed.
set -euo pipefail
tool=$1 shell=$2
name=$(basename "$tool")
installed=bootchain-$name
script=$("$tool" --generate-completion-script "$shell")
case $shell in
bash) sed "s/^\(complete .*\) $name\$/\1 $installed/" <<<"$script" ;;
zsh) sed -e "s/^#compdef $name\$/#compdef $installed/" -e "s/^\( *compdef _$name\) $name\$/\1 $installed/" <<<"$script" ;;
fish)
    sed -e "s/^\( *case \)'$name'\$/\1'$installed'/" -e "s/^complete -c '$name'/complete -c '$installed'/" \
        -e "s/\(_should_offer_completions_for_[a-z_]* \"\)$name\([ \"]\)/\1$installed\2/g" <<<"$script"
    ;;
*)
    echo "completion.sh: unknown shell '$shell' (bash, zsh, fish)" >&2
    exit 64
    ;;
esac
