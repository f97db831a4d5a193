#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The Debian package, end to end, as CI runs it (as root, on Debian 12):
# builds lifeboat_*.deb from a clean copy of the tracked files with
# dpkg-buildpackage, runs lintian, installs it with apt, tries the
# installed programs from /usr (version, man page, desktop entry, German
# messages, a virtual phone, the German window under Xvfb), and purges it,
# because the machine is reused.  Needs a built tree for the virtual phone
# (tests/vphone/vphone-run).  TAP output.
. "$(dirname "$0")/../vphone/tap.sh"
plan 12
ID=io.github.lifeboat.Lifeboat
SRC="$WORK/src/lifeboat"
mkdir -p "$SRC"
(cd "$top_srcdir" && git ls-files -z | tar -c --null -T - | tar -x -C "$SRC")
ok $? "a clean copy of the tracked files"

start=$(date +%s)
# Not make check's jobserver and variables: the package build is its own.
unset MAKEFLAGS MFLAGS MAKELEVEL MAKEOVERRIDES
(cd "$SRC" && DEB_BUILD_OPTIONS="nocheck parallel=2 ${DEB_BUILD_OPTIONS:-}" dpkg-buildpackage -us -uc -b) >"$WORK/build.log" 2>&1
ok $? "dpkg-buildpackage -us -uc -b builds the package ($(( $(date +%s) - start )) s)"
[ $? -eq 0 ] || tail -30 "$WORK/build.log" | sed 's/^/#   /'
deb=$(ls "$WORK"/src/lifeboat_*.deb 2>/dev/null | head -1)
# DEB_OUT=DIR keeps the package (for a look, or a release).
[ -n "$deb" ] && [ -n "${DEB_OUT:-}" ] && cp "$deb" "$DEB_OUT/"

lintian --fail-on error,warning "$WORK"/src/lifeboat_*.changes >"$WORK/lintian.log" 2>&1
ok $? "lintian finds no error or warning"
grep -v 'running with root privileges' "$WORK/lintian.log" | sed 's/^/#   /' | head -30

dpkg-deb -f "$deb" Depends | grep -q 'libmtp-common'
ok $? "the package depends on libmtp-common (libmtp's udev rules)"

apt-get install -y -qq "$deb" >"$WORK/apt.log" 2>&1
ok $? "apt install ./lifeboat_*.deb"
[ $? -eq 0 ] || tail -20 "$WORK/apt.log" | sed 's/^/#   /'

is "$(/usr/bin/lifeboat-cli --version)" "lifeboat-cli $(dpkg-deb -f "$deb" Version)" "the installed lifeboat-cli --version"
man -w lifeboat-cli >/dev/null 2>&1 && man -w lifeboat >/dev/null 2>&1 &&
  MANWIDTH=80 man lifeboat-cli 2>/dev/null | grep -q 'move-library'
ok $? "man lifeboat-cli and man lifeboat are installed and read"
desktop-file-validate /usr/share/applications/$ID.desktop && [ -f /usr/share/metainfo/$ID.metainfo.xml ] &&
  [ -f /usr/share/icons/hicolor/scalable/apps/$ID.svg ] && [ -f /usr/share/icons/hicolor/symbolic/apps/$ID-symbolic.svg ]
ok $? "the desktop entry, metainfo and icons are installed and valid"
# German from the installed catalog (glibc ignores LANGUAGE only in "C" itself).
LANG=C.UTF-8 LC_ALL= LANGUAGE=de /usr/bin/lifeboat-cli --help 2>&1 | grep -q '^Befehle:'
ok $? "LANGUAGE=de lifeboat-cli --help speaks German"

PHONE="$WORK/phone"
"$MAKE_PHONE" "$PHONE" --preset typical --seed 3 >/dev/null
vrun --phone "$PHONE,serial=DEBTEST" -- /usr/bin/lifeboat-cli devices >"$WORK/devices.out" 2>&1
grep -q DEBTEST "$WORK/devices.out"
ok $? "the installed lifeboat-cli devices finds a virtual phone"
[ $? -eq 0 ] || sed 's/^/#   /' "$WORK/devices.out"

# The installed window in German, on a virtual phone, found through the
# accessibility tree (tests/dist/window-de.py), with a screenshot.
SHOTS="$top_builddir/tests/gui/screenshots"
mkdir -p "$SHOTS"
(
  export HOME="$WORK/home" XDG_DATA_HOME="$WORK/home/data" XDG_CONFIG_HOME="$WORK/home/config" \
    XDG_CACHE_HOME="$WORK/home/cache" GSETTINGS_BACKEND=memory GDK_BACKEND=x11 GTK_MODULES=gail:atk-bridge
  mkdir -p "$XDG_DATA_HOME" "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"
  unset LIFEBOAT_LIBRARY NO_AT_BRIDGE
  timeout -k 5 300 dbus-run-session -- xvfb-run -a -s "-screen 0 1024x768x24" \
    "$VP/vphone-run" --phone "$PHONE,serial=DEBTEST" -- \
    env ASAN_OPTIONS=detect_leaks=0 /usr/bin/python3 "$top_srcdir/tests/dist/window-de.py" /usr/bin/lifeboat "$SHOTS/window-de.png"
) >"$WORK/window.log" 2>&1
rc=$?
grep -q '^ok ' "$WORK/window.log" && ! grep -q '^not ok' "$WORK/window.log" && [ $rc -eq 0 ]
ok $? "the installed window, under LANGUAGE=de on a virtual phone, shows German labels (screenshot: tests/gui/screenshots/window-de.png)"
grep -E '^(ok|not ok|#)' "$WORK/window.log" | sed 's/^/#   /'
[ $rc -eq 0 ] || tail -15 "$WORK/window.log" | sed 's/^/#   /'

apt-get purge -y -qq lifeboat >"$WORK/purge.log" 2>&1
! dpkg -s lifeboat >/dev/null 2>&1 && [ ! -e /usr/bin/lifeboat-cli ] && [ ! -e /usr/share/applications/$ID.desktop ]
ok $? "apt purge removes it again"
done_testing
