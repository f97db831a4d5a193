#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Every language in po/LINGUAS is complete: msgfmt -c finds nothing wrong,
# nothing is untranslated or fuzzy, plural forms are declared, and the
# strings in today's sources (xgettext over po/POTFILES.in, as `make
# update-po` runs it) are all translated, so a new string added without
# its translation fails here.  Also: every source file that calls _()
# is listed in POTFILES.in, or its strings would never reach translators.
. "$(dirname "$0")/../vphone/tap.sh"
PO="$top_srcdir/po"
langs=$(grep -v '^#' "$PO/LINGUAS")
plan $((5 + 4 * $(wc -w <<<"$langs")))

# The same xgettext options `make update-po` uses.
opts=$(printf 'include %s\nall:\n\t@echo $(XGETTEXT_OPTIONS)\n' "$PO/Makevars" | MAKEFLAGS= make -s --no-print-directory -f -)
(cd "$top_srcdir" && xgettext $opts --package-name=lifeboat -f po/POTFILES.in -o "$WORK/fresh.pot") >"$WORK/xgettext.log" 2>&1
ok $? "xgettext reads every file in POTFILES.in"
[ -s "$WORK/fresh.pot" ] || sed 's/^/#   /' "$WORK/xgettext.log"

# xgettext stops a string at a macro such as G_GUINT64_FORMAT, so the
# catalog holds "Sent %" while the program asks for "Sent %lu files": that
# string is never translated.  <inttypes.h>'s PRIu64 is what xgettext and
# gettext understand ("%<PRIu64>").
cut=$(grep -cE '^(msgid|msgid_plural) ".*[^%]%"$|^(msgid|msgid_plural) "%"$' "$WORK/fresh.pot")
is "$cut" 0 "no translatable string is cut short at a G_G*_FORMAT macro (use PRIu64, PRId64)"

# No user-visible string escapes gettext: GError messages, terminal output
# and labels built from literals outside _() (tests/dist/untranslated.py).
escaped=$(cd "$top_srcdir" && /usr/bin/python3 tests/dist/untranslated.py src/*/*.c 2>&1)
is "$escaped" "" "no user-visible string in src/ escapes gettext"
printf '%s\n' 'void f (GError **e) { g_set_error (e, D, 1, "%s could not be read", p); g_set_error (e, D, 1, _("%s ok"), p); }' >"$WORK/escape.c"
/usr/bin/python3 "$top_srcdir/tests/dist/untranslated.py" "$WORK/escape.c" | grep -q 'could not be read' &&
  [ "$(/usr/bin/python3 "$top_srcdir/tests/dist/untranslated.py" "$WORK/escape.c" | wc -l)" -eq 1 ]
ok $? "the check finds an untranslated GError message and passes a translated one"

# C sources and .ui files with translatable strings that POTFILES.in lacks.
unlisted=$(cd "$top_srcdir" && grep -lE '(^|[^A-Za-z_])(N?_|C_|g_dngettext|ngettext) ?\(' src/*/*.c | sort |
  comm -23 - <(grep -v '^#' po/POTFILES.in | sort))
unlisted_ui=$(cd "$top_srcdir" && grep -l 'translatable="yes"' ui/*.ui ui/*/*.ui 2>/dev/null | sort |
  comm -23 - <(grep -v '^#' po/POTFILES.in | sort))
is "$unlisted$unlisted_ui" "" "every source with translatable strings is in po/POTFILES.in"

for l in $langs; do
  stats=$(msgfmt -c --statistics -o "$WORK/$l.mo" "$PO/$l.po" 2>&1)
  ok $? "msgfmt -c accepts $l.po"
  [ $? -eq 0 ] || sed 's/^/#   /' <<<"$stats" | head
  grep -qE 'untranslated|fuzzy' <<<"$stats"
  ok $((! $?)) "$l.po: nothing untranslated or fuzzy ($stats)"
  missing=$(msgcmp "$PO/$l.po" "$WORK/fresh.pot" 2>&1 | grep -c 'this message' )
  is "$missing" 0 "$l.po translates every string in today's sources"
  [ "$missing" -eq 0 ] || msgcmp "$PO/$l.po" "$WORK/fresh.pot" 2>&1 | grep -A1 'this message' | head -10 | sed 's/^/#   /'
  grep -q '^"Plural-Forms: nplurals=[0-9]; plural=.*;\\n"$' "$PO/$l.po"
  ok $? "$l.po declares its plural forms"
done
done_testing
