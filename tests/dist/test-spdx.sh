#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Every tracked source and build file names its licence (SPDX header), so
# that a file copied out of Lifeboat still says it is GPL-3.0-or-later.
# build-aux/spdx-headers.sh adds what is missing.
. "$(dirname "$0")/../vphone/tap.sh"
plan 2
"$top_srcdir/build-aux/spdx-headers.sh" --check >"$WORK/missing" 2>&1
rc=$?
ok $rc "every source file has an SPDX-License-Identifier header"
[ $rc -eq 0 ] || sed 's/^/#   /' "$WORK/missing" | head -20
# The checker itself must see a file without one.
mkdir -p "$WORK/tree/build-aux" "$WORK/tree/src"
cp "$top_srcdir/build-aux/spdx-headers.sh" "$WORK/tree/build-aux/"
printf 'int x;\n' >"$WORK/tree/src/a.c"
! "$WORK/tree/build-aux/spdx-headers.sh" --check >/dev/null 2>&1 &&
  "$WORK/tree/build-aux/spdx-headers.sh" >/dev/null && "$WORK/tree/build-aux/spdx-headers.sh" --check >/dev/null &&
  head -1 "$WORK/tree/src/a.c" | grep -qx '/\* SPDX-License-Identifier: GPL-3.0-or-later \*/'
ok $? "the checker finds a file without a header, and the script adds one"
done_testing
