#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The man pages lifeboat-cli(1) and lifeboat(1) are in step with --help:
# every command, its parameters and every option the programs print are in
# the page, and man finds nothing to warn about.  A command or option added
# to the program without a word in the man page fails here.
. "$(dirname "$0")/../vphone/tap.sh"
plan 9
unset LANGUAGE LC_ALL LC_MESSAGES
CLI="$top_builddir/src/cli/lifeboat-cli"
GUI="$top_builddir/src/gui/lifeboat"
MAN="$top_srcdir/man"

render () { groff -man -Tascii -P-cbou "$1" 2>&1; }

# missing_cli PAGE: what of lifeboat-cli's --help outputs PAGE does not name.
missing_cli () {
  local text cmds cmd params opt
  text=$(render "$1")
  cmds=$("$CLI" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z-]*\) .*/\1/p')
  [ -n "$cmds" ] || echo "no commands in lifeboat-cli --help"
  for opt in $("$CLI" --help | grep -oE '(^| )--?[a-zA-Z][a-z-]*' | sort -u); do
    grep -qE -- "(^|[[ ,|(])$opt([], =|)]|$)" <<<"$text" || echo "global option $opt"
  done
  for cmd in $cmds; do
    # The page describes each command in a paragraph headed by the usage
    # line's parameters: "ls SNAPSHOT [PATH]".
    params=$("$CLI" "$cmd" --help | sed -n "s/^  lifeboat-cli $cmd \[OPTION…\] *//p" | sed 's/ *$//')
    grep -qxF -- "       $cmd${params:+ $params}" <<<"$text" ||
      grep -qE -- "^       $cmd${params:+ $params}( \[|$)" <<<"$text" ||
      echo "command $cmd ${params:+($params)}"
    for opt in $("$CLI" "$cmd" --help | grep -oE '^  +(-[a-zA-Z], )?--[a-z-]+' | grep -oE -- '--?[a-zA-Z][a-z-]*'); do
      grep -qE -- "(^|[[ ,|(])$opt([], =|)]|$)" <<<"$text" || echo "$cmd option $opt"
    done
  done
  # The exit statuses --help names.
  for st in $("$CLI" --help | sed -n 's/^Exit status: //p' | grep -oE '[0-9]+ on' | cut -d' ' -f1); do
    sed -n '/^EXIT STATUS/,/^[A-Z]/p' <<<"$text" | grep -qE "^       $st( |$)" || echo "exit status $st"
  done
  for sect in NAME SYNOPSIS DESCRIPTION COMMANDS OPTIONS "EXIT STATUS" ENVIRONMENT FILES EXAMPLES "SEE ALSO"; do
    grep -qx "$sect" <<<"$text" || echo "section $sect"
  done
}

missing_gui () {
  local text opt
  text=$(render "$1")
  for opt in $(env -u DISPLAY -u WAYLAND_DISPLAY "$GUI" --help | grep -oE '^  +(-[a-zA-Z], )?--[a-z-]+' | grep -oE -- '--?[a-zA-Z][a-z-]*'); do
    grep -qE -- "(^|[[ ,|(])$opt([], =|)]|$)" <<<"$text" || echo "option $opt"
  done
  for sect in NAME SYNOPSIS DESCRIPTION OPTIONS ENVIRONMENT FILES "SEE ALSO"; do
    grep -qx "$sect" <<<"$text" || echo "section $sect"
  done
}

"$CLI" --version | grep -qx "lifeboat-cli [0-9][0-9.]*"
ok $? "lifeboat-cli --version prints its version"
out=$("$CLI" backup --help)
[ "$(grep -c 'lifeboat-cli' <<<"$out")" -eq 1 ] && ! grep -q '^Commands:' <<<"$out"
ok $? "lifeboat-cli backup --help names the command once and not the global usage"

m=$(missing_cli "$MAN/lifeboat-cli.1")
is "$m" "" "lifeboat-cli(1) has every command, parameter, option and exit status of --help"
m=$(missing_gui "$MAN/lifeboat.1")
is "$m" "" "lifeboat(1) has every option of lifeboat --help"

# The check itself: a page that lost an option or a command is caught.
sed '/^\.B \\-\\-mirror$/,+1d' "$MAN/lifeboat-cli.1" >"$WORK/no-mirror.1"
missing_cli "$WORK/no-mirror.1" | grep -qx "restore option --mirror"
ok $? "a page without --mirror is caught"
sed 's/^\.B verify .*/.B check/' "$MAN/lifeboat-cli.1" >"$WORK/no-verify.1"
missing_cli "$WORK/no-verify.1" | grep -q "^command verify"
ok $? "a page without the verify command is caught"

for page in lifeboat-cli lifeboat; do
  w=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$MAN/$page.1" 2>&1 >/dev/null)
  is "$w" "" "man --warnings finds nothing in $page.1"
done
# What lintian's manpage checks read: the NAME line "page \- summary".
sed -n '/^\.SH NAME/{n;p}' "$MAN/lifeboat-cli.1" "$MAN/lifeboat.1" | grep -c '^[a-z-]* \\- ' | grep -qx 2
ok $? "both NAME lines are \"name \\- summary\""
done_testing
