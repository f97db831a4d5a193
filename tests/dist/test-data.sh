#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The desktop's own validators pass on every data file Lifeboat installs
# (desktop entry, AppStream metainfo, GSettings schema, icons), and
# `make install` / `make uninstall` to another prefix under DESTDIR put
# each file where the desktop looks for it and take all of them away again.
. "$(dirname "$0")/../vphone/tap.sh"
plan 15
ID=io.github.lifeboat.Lifeboat
DATA="$top_builddir/data"
SRCDATA="$top_srcdir/data"

if need_tool desktop-file-validate desktop-file-utils 2; then
  check "desktop-file-validate passes the desktop entry" -- desktop-file-validate "$DATA/$ID.desktop"
  check "and the autostart entry of lifeboat --background" -- desktop-file-validate "$DATA/$ID-background.desktop"
fi
grep -q '^Name\[de\]=' "$DATA/$ID.desktop" && grep -q '^Comment\[de\]=' "$DATA/$ID.desktop"
ok $? "the desktop entry carries the German name and comment"
if need_tool appstream-util appstream-util 1; then
  check "appstream-util validate-relax --nonet passes the metainfo" -- appstream-util validate-relax --nonet "$DATA/$ID.metainfo.xml"
fi
if need_tool appstreamcli appstream 1; then
  check "appstreamcli validate --no-net passes the metainfo" -- appstreamcli validate --no-net "$DATA/$ID.metainfo.xml"
fi
# What the metainfo promises matches what is built: the launchable desktop
# file, the binaries, the licence of COPYING, the version of configure.
version=$("$top_builddir/src/cli/lifeboat-cli" --version | cut -d' ' -f2)
python3 - "$DATA/$ID.metainfo.xml" "$version" <<'PY' >"$WORK/meta.out" 2>&1
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.findtext('launchable') == 'io.github.lifeboat.Lifeboat.desktop', 'launchable'
assert sorted(b.text for b in root.iter('binary')) == ['lifeboat', 'lifeboat-cli'], 'provides'
assert root.findtext('project_license') == 'GPL-3.0-or-later', 'licence'
assert root.find('releases/release').get('version') == sys.argv[2], 'newest release is not ' + sys.argv[2]
assert root.find('content_rating') is not None, 'content rating'
assert any(e.get('{http://www.w3.org/XML/1998/namespace}lang') == 'de' for e in root.iter('summary')), 'German summary'
PY
ok $? "the metainfo names the launchable, both binaries, GPL-3.0-or-later, this version and a German summary"
[ $? -eq 0 ] || sed 's/^/#   /' "$WORK/meta.out"
head -1 "$top_srcdir/COPYING" | grep -q 'GNU GENERAL PUBLIC LICENSE' && sed -n 2p "$top_srcdir/COPYING" | grep -q 'Version 3'
ok $? "COPYING is the GPL version 3"
check "glib-compile-schemas --strict accepts the schema" -- \
  glib-compile-schemas --strict --dry-run "$SRCDATA"
python3 - "$SRCDATA/icons/hicolor/scalable/apps/$ID.svg" "$SRCDATA/icons/hicolor/symbolic/apps/$ID-symbolic.svg" <<'PY' >"$WORK/icons.out" 2>&1
import sys, re, xml.etree.ElementTree as ET
for path in sys.argv[1:]:
    root = ET.parse(path).getroot()
    assert root.tag == '{http://www.w3.org/2000/svg}svg', path
    assert root.get('viewBox'), path + ': no viewBox, it cannot scale'
symbolic = open(sys.argv[2]).read()
assert ET.parse(sys.argv[2]).getroot().get('width') == '16', 'a symbolic icon is drawn at 16 px'
colours = set(c.lower() for c in re.findall(r'#[0-9a-fA-F]{3,6}\b', symbolic))
assert len(colours) == 1, 'a symbolic icon has one colour, not %s' % colours
PY
ok $? "both icons are scalable SVG; the symbolic one is 16 px in one colour"
[ $? -eq 0 ] || sed 's/^/#   /' "$WORK/icons.out"

# The systemd user unit of `lifeboat-cli watch`, its ExecStart pointed at
# the binary built here (verify checks that it can be executed).
if need_tool systemd-analyze systemd 1; then
  sed "s|@bindir@|$top_builddir/src/cli|" "$SRCDATA/lifeboat-watch.service.in" >"$WORK/lifeboat-watch.service"
  check "systemd-analyze verify passes the watch's user unit" -- systemd-analyze verify --man=no "$WORK/lifeboat-watch.service"
fi

# Install to another prefix, as a distribution's package build does.
DEST="$WORK/dest"
PREFIX=/opt/lifeboat-test
make -s -C "$top_builddir" install DESTDIR="$DEST" prefix="$PREFIX" >"$WORK/install.log" 2>&1
ok $? "make install DESTDIR=... prefix=$PREFIX"
[ $? -eq 0 ] || tail -20 "$WORK/install.log" | sed 's/^/#   /'
missing=
for f in bin/lifeboat bin/lifeboat-cli \
  share/applications/$ID.desktop share/metainfo/$ID.metainfo.xml \
  share/glib-2.0/schemas/$ID.gschema.xml \
  share/icons/hicolor/scalable/apps/$ID.svg share/icons/hicolor/symbolic/apps/$ID-symbolic.svg \
  share/man/man1/lifeboat.1 share/man/man1/lifeboat-cli.1 lib/systemd/user/lifeboat-watch.service \
  etc/xdg/autostart/$ID-background.desktop \
  share/locale/de/LC_MESSAGES/lifeboat.mo; do
  [ -f "$DEST$PREFIX/$f" ] || missing="$missing $f"
done
is "$missing" "" "every file is installed where the desktop looks for it"
# The installed catalog is the one built from today's de.po, not a .gmo left
# from before de.po last changed: it holds every message de.po translates.
mo="$DEST$PREFIX/share/locale/de/LC_MESSAGES/lifeboat.mo"
msgunfmt "$mo" >"$WORK/installed-de.po" 2>"$WORK/msgunfmt.log" &&
  msgcmp "$WORK/installed-de.po" "$top_srcdir/po/de.po" >"$WORK/msgcmp.log" 2>&1
ok $? "the installed lifeboat.mo is built from the current po/de.po"
[ $? -eq 0 ] || head -5 "$WORK/msgunfmt.log" "$WORK/msgcmp.log" | sed 's/^/#   /'
stray=$(cd "$DEST" && find . -type f ! -path ".$PREFIX/*")
is "$stray" "" "nothing is installed outside the prefix"
make -s -C "$top_builddir" uninstall DESTDIR="$DEST" prefix="$PREFIX" >"$WORK/uninstall.log" 2>&1
left=$(cd "$DEST" && find . -type f)
is "$left" "" "make uninstall removes every installed file"
done_testing
