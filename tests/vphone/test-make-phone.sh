#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Self-check for make-phone (prints TAP): the same preset and seed must give
# identical trees (contents, names, mtimes), totals must stay in the ranges
# the rig relies on, and the .vphone/*.ini metadata must be well formed.
# The large preset is deliberately not run here: it is too slow for a suite.

set -u
export LC_ALL=C

mp="$(dirname "$0")/make-phone"
work=$(mktemp -d "${TMPDIR:-/tmp}/test-make-phone.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT

echo "1..17"
n=0
failed=0

# check DESCRIPTION COMMAND [ARGS...]: one TAP line for COMMAND's status.
check() {
    local what=$1
    shift
    n=$((n + 1))
    if "$@"; then
        echo "ok $n - $what"
    else
        echo "not ok $n - $what"
        failed=$((failed + 1))
    fi
}

# build DIR PRESET [ARGS...]: run make-phone, keeping its output for later.
build() {
    local dir=$1 preset=$2
    shift 2
    local summary="^made $preset phone in .*: [0-9]+ files, [0-9]+ folders, [0-9]+ bytes \([0-9.]+ MiB\)$"
    "$mp" "$work/$dir" --preset "$preset" "$@" >"$work/$dir.out" 2>&1 &&
        grep -Eq "$summary" "$work/$dir.out"
}

# same_tree A B: same contents and names (diff -r), and same mtimes and
# sizes for every entry, the top folder included.  NUL-separated because
# hostile names contain newlines.
same_tree() {
    diff -r "$work/$1" "$work/$2" >/dev/null 2>&1 &&
        (cd "$work/$1" && find . -printf '%P %T@ %s\0' | sort -z) >"$work/$1.times" &&
        (cd "$work/$2" && find . -printf '%P %T@ %s\0' | sort -z) >"$work/$2.times" &&
        cmp -s "$work/$1.times" "$work/$2.times"
}

differs() {
    ! diff -rq "$work/$1" "$work/$2" >/dev/null 2>&1
}

# exact_sizes DIR: one file of each boundary size, 0 included.
exact_sizes() {
    local size
    for size in 0 512 1024 3584 16384 32768 49152; do
        [ -n "$(find "$work/$1" -type f -size "${size}c" -print -quit)" ] || return 1
    done
}

# refuses_non_empty: a non-empty DIR is an error (exit 2) without --force.
refuses_non_empty() {
    local rc
    mkdir -p "$work/full" && touch "$work/full/precious"
    "$mp" "$work/full" --preset small >/dev/null 2>&1
    rc=$?
    [ "$rc" -eq 2 ] && [ -e "$work/full/precious" ]
}

forced_rebuild() {
    "$mp" "$work/full" --preset small --force >/dev/null 2>&1 &&
        [ ! -e "$work/full/precious" ] && same_tree small1 full
}

# typical_totals: 1,900-2,100 files and 280-320 MiB, metadata not counted.
typical_totals() {
    local d="$work/typical" files bytes
    files=$(find "$d" -path "$d/.vphone" -prune -o -type f -print | wc -l)
    bytes=$(find "$d" -path "$d/.vphone" -prune -o -type f -printf '%s\n' |
        awk '{ s += $1 } END { print s + 0 }')
    echo "# typical: $files files, $bytes bytes"
    [ "$files" -ge 1900 ] && [ "$files" -le 2100 ] &&
        [ "$bytes" -ge $((280 * 1024 * 1024)) ] && [ "$bytes" -le $((320 * 1024 * 1024)) ] &&
        [ -d "$d/Internal shared storage" ] && [ -d "$d/SD card" ]
}

# check_ini KIND DIR: parse a .vphone ini with GLib when PyGObject is there,
# otherwise with a strict line-by-line reading of the GKeyFile grammar, and
# check its entries against the files on disk.
check_ini() {
    python3 - "$1" "$work/$2" <<'EOF'
import os, sys

kind, root = sys.argv[1], sys.argv[2]
path = os.path.join(root, ".vphone", kind + ".ini")

def unescape(value):
    out, it = [], iter(value)
    for ch in it:
        if ch == "\\":
            ch = next(it)
            out.append({"s": " ", "n": "\n", "t": "\t", "r": "\r"}.get(ch, ch))
        else:
            out.append(ch)
    return "".join(out)

def split_list(value):
    items, cur, it = [], [], iter(value)
    for ch in it:
        if ch == "\\":
            cur.append(ch + next(it))
        elif ch == ";":
            items.append(unescape("".join(cur)))
            cur = []
        else:
            cur.append(ch)
    if cur:
        items.append(unescape("".join(cur)))
    return items

try:
    from gi.repository import GLib
    kf = GLib.KeyFile()
    kf.load_from_file(path, GLib.KeyFileFlags.NONE)
    groups = {g: {k: kf.get_value(g, k) for k in kf.get_keys(g)[0]}
              for g in kf.get_groups()[0]}
except ImportError:
    groups, group = {}, None
    with open(path, encoding="utf-8") as f:
        for line in f.read().split("\n"):
            if not line.strip() or line.startswith("#"):
                continue
            if line.startswith("[") and line.endswith("]"):
                group = groups.setdefault(line[1:-1], {})
                continue
            assert group is not None and "=" in line, line
            key, value = line.split("=", 1)
            assert key == key.strip() and key and "[" not in key, key
            group[key.strip()] = value.lstrip(" ")

def exists(rel):
    assert os.path.lexists(os.path.join(root, rel)), rel

if kind == "hostile":
    assert list(groups) == ["names", "sizes", "dates", "structure"], list(groups)
    for g in ("names", "sizes", "dates"):
        for key in groups[g]:
            assert key.isascii(), key
            exists(key)
    names = [bytes.fromhex(v).decode("utf-16-le", "surrogatepass")
             for v in groups["names"].values()]
    for want in ["a/b.jpg", "../../../../etc/passwd", "..", ".", "",
                 "dir/with/slashes"]:
        assert want in names, want
    assert names.count("dup.jpg") == 2
    assert any(len(n) == 254 and len(n.encode("utf-8")) > 255 for n in names)
    assert any("\ud800" in n for n in names)
    assert sorted(int(v) for v in groups["sizes"].values()) == [-100, 10, 100]
    assert sorted(unescape(v) for v in groups["dates"].values()) == sorted(
        ["garbage", "", "99999999T999999", "19691231T235959",
         "20240230T120000", "20240517T143012.5+0200"])
    assert groups["structure"] == {"deep-chain": "2100", "cycle": "true"}
    hostile = os.path.join(root, "Internal shared storage", "hostile")
    for name in ["ctrl\x01\x02.txt", "new\nline.txt", "tab\there.txt",
                 "esc\x1b[31mred.txt", "-rf"]:
        assert any(name in fs for _, _, fs in os.walk(hostile)), repr(name)
else:
    kinds = []
    for n, (group, obj) in enumerate(groups.items(), 1):
        assert group == f"object {n}", group
        kinds.append(obj["kind"])
        members = split_list(obj["members"])
        for m in members:
            exists(os.path.join(unescape(obj["storage"]), m))
        if obj["kind"] == "album":
            assert obj["name"].endswith(".alb") and obj["artist"]
            assert members == sorted(members) and len(members) >= 6
        else:
            assert obj["name"].endswith(".pla") and 5 <= len(members) <= 12
    assert kinds.count("album") >= 6 and kinds.count("playlist") == 2, kinds
EOF
}

check "small builds" build small1 small
check "small builds again with the same seed" build small2 small
check "small: same seed gives the same files, names and mtimes" same_tree small1 small2
check "small builds with seed 2" build small3 small --seed 2
check "small: a different seed gives different content" differs small1 small3
check "small: has every exact-size file" exact_sizes small1
check "non-empty DIR is refused with exit 2" refuses_non_empty
check "--force empties DIR and rebuilds it identically" forced_rebuild
check "hostile builds" build hostile1 hostile
check "hostile builds again with the same seed" build hostile2 hostile
check "hostile: same seed gives the same files, names and mtimes" same_tree hostile1 hostile2
check "hostile: has every exact-size file" exact_sizes hostile1
check "hostile: hostile.ini is well formed and complete" check_ini hostile hostile1
check "typical builds" build typical typical
check "typical: file count and total bytes in range" typical_totals
check "typical: has every exact-size file" exact_sizes typical
check "typical: objects.ini albums and playlists point at real tracks" check_ini objects typical

[ "$failed" -eq 0 ]
