#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Puts "SPDX-License-Identifier: GPL-3.0-or-later" at the top of every
# source and build file that lacks it, in the comment syntax of its kind.
# Idempotent: a file that names a licence in its first lines is left alone.
#
#   build-aux/spdx-headers.sh          add the missing headers
#   build-aux/spdx-headers.sh --check  list files without one; exit 1 if any
#
# The files are git's tracked ones (or, outside a git checkout such as an
# unpacked tarball, the same kinds of file found on disk).  Prose (README,
# COPYING), translations (po/*.po carry their own header), images and
# debian/ (covered by debian/copyright) are not source and have no header.
set -euo pipefail
cd "$(dirname "$0")/.."

TAG='SPDX-License-Identifier: GPL-3.0-or-later'
check=false
[ "${1:-}" = --check ] && check=true

list_files () {
  if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git ls-files
  else
    find . -type f ! -path './.git/*' ! -path './build-aux/*' ! -path './m4/*' \
      ! -path './autom4te.cache/*' ! -path './_*' ! -name 'Makefile.in' ! -name 'Makefile' \
      ! -name 'config.*' ! -name 'configure' ! -name 'aclocal.m4' ! -name 'lb-resources.c' \
      ! -name 'libtool' ! -name '*.o' | sed 's|^\./||'
    echo build-aux/spdx-headers.sh
  fi
}

# style FILE: how a comment is written in FILE ("c", "hash", "xml"), or
# nothing when FILE is not source.
style () {
  case $1 in
    debian/*|po/*.po|po/*.pot|*.png|*.jpg|COPYING|README|*/README|*.md|.gitignore) return ;;
    *.c|*.h) echo c ;;
    *.ui|*.xml|*.svg|*.xml.in|*.metainfo.xml.in) echo xml ;;
    *.sh|*.py|*.am|*.ac|*.supp|*.desktop.in|*.service.in|*.in|*.mk|po/LINGUAS|po/Makevars|.ci/*) echo hash ;;
    man/*.[0-9]|*.[0-9].in) echo roff ;;
    *)
      # A script without an extension: known by its first line.
      if head -c 2 "$1" 2>/dev/null | grep -q '^#!'; then echo hash; fi ;;
  esac
}

has_tag () { head -n 6 "$1" | grep -q 'SPDX-License-Identifier:'; }

# put_tag FILE FORMAT KEEP-FIRST: FILE with the tag (printed with FORMAT)
# as its first line, or as its second when its first line matches the
# regex KEEP-FIRST (a #! line, an <?xml?> declaration, which must stay first).
put_tag () {
  if [ -n "$3" ] && head -n 1 "$1" | grep -q "$3"; then
    head -n 1 "$1"; printf "$2" "$TAG"; tail -n +2 "$1"
  else
    printf "$2" "$TAG"; cat "$1"
  fi
}

add_tag () {  # add_tag FILE STYLE
  local f=$1 tmp
  tmp=$(mktemp "$f.spdx.XXXXXX")
  case $2 in
    c) put_tag "$f" '/* %s */\n' '' ;;
    hash) put_tag "$f" '# %s\n' '^#!' ;;
    xml) put_tag "$f" '<!-- %s -->\n' '^<?xml' ;;
    roff) put_tag "$f" '.\\" %s\n' '' ;;
  esac >"$tmp"
  chmod --reference="$f" "$tmp"
  mv "$tmp" "$f"
}

missing=0
while IFS= read -r f; do
  [ -f "$f" ] || continue
  s=$(style "$f")
  [ -n "$s" ] || continue
  has_tag "$f" && continue
  if $check; then
    echo "$f: no SPDX-License-Identifier in its first lines"
    missing=$((missing + 1))
  else
    add_tag "$f" "$s"
    echo "added: $f"
  fi
done < <(list_files)

if $check && [ $missing -gt 0 ]; then
  echo "$missing file(s) without a licence header: run build-aux/spdx-headers.sh" >&2
  exit 1
fi
exit 0
