#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# lifeboat-cli offsite: copies of a backed-up library in a real restic
# repository on a local disk: init, push, a second push that sends only the
# new data and reuses the first as its parent, list, restore into a new
# folder that verifies and extracts byte-identical, the errors people meet
# (wrong password, restic missing, a locked repository, a non-empty
# destination), an interrupted push, and a backup running during a push.
. "$(dirname "$0")/../vphone/tap.sh"
plan 68

CLI="$top_builddir/src/cli/lifeboat-cli"
LIB="$WORK/library"
PHONE="$WORK/phone"
INT="$PHONE/Internal storage"
REPO="$WORK/repo"
export LIFEBOAT_LIBRARY="$LIB"
export GSETTINGS_BACKEND=memory GSETTINGS_SCHEMA_DIR="$WORK/no-schemas"
# restic's cache is per user: keep it out of the tester's home.
export RESTIC_CACHE_DIR="$WORK/restic-cache"
unset RESTIC_REPOSITORY RESTIC_PASSWORD RESTIC_PASSWORD_FILE RESTIC_PASSWORD_COMMAND
need_tool restic restic 68 || done_testing
cd "$WORK" || exit 1
START=$(date +%s.%N)
lap () { diag "$1 at $(python3 -c "import sys; print(round($(date +%s.%N) - $START, 1))") s"; }
# restic's lock files, without one it is still writing ("...-tmp-NNN").
locks () { ls "$1/locks" 2>/dev/null | grep -v -- -tmp-; }
now () { date +%s.%N; }
since () { python3 -c "import sys; print(round($(now) - $1, 2))"; }
printf 'correct horse battery staple\n' >"$WORK/pw"
printf 'wrong\n' >"$WORK/bad-pw"
chmod 600 "$WORK/pw" "$WORK/bad-pw"
R=(--repo "$REPO" --password-file "$WORK/pw")
rrestic () { restic --repo "$REPO" --password-file "$WORK/pw" "$@"; }

"$MAKE_PHONE" "$PHONE" --preset small --seed 17 >/dev/null
INT=$(find "$PHONE" -mindepth 1 -maxdepth 1 -type d ! -name .vphone | head -1)
head -c $((5 << 20)) /dev/urandom >"$INT/video-1.mp4"
head -c $((5 << 20)) /dev/urandom >"$INT/video-2.mp4"
mkdir -p "$LIB"
vrun --phone "$PHONE,serial=OFFSITE" -- "$CLI" backup -q
ok $? "the phone is backed up"

lap "init and the first push"
# --- init and the first push ------------------------------------------------------------
"$CLI" offsite init "${R[@]}" >"$WORK/init.out" 2>&1
ok $? "offsite init creates a repository"
[ -f "$REPO/config" ]
ok $? "restic's repository is there"
"$CLI" offsite init "${R[@]}" >"$WORK/init2.out" 2>&1
is "$?" 1 "a second init of the same place fails"
grep -q "There already is a repository at $REPO" "$WORK/init2.out"
ok $? "saying so: $(head -1 "$WORK/init2.out")"

t=$(now)
"$CLI" offsite push "${R[@]}" --json >"$WORK/p1" 2>"$WORK/p1.err"
ok $? "the first push succeeds"
t1=$(since "$t")
lib_bytes=$(du -s --block-size=1 --apparent-size "$LIB/blobs" | cut -f1)
added1=$(json 'd["bytes_added"]' <"$WORK/p1")
id1=$(json 'd["id"]' <"$WORK/p1")
diag "first push: $added1 bytes added for a library of $lib_bytes bytes of blobs, $t1 s"
is "$(json 'd["snapshots"]' <"$WORK/p1")" "[1]" "it holds library snapshot 1"
[ "$added1" -ge $((lib_bytes * 9 / 10)) ]
ok $? "it sent the library (restic reports $added1 bytes added)"
[ ! -e "$LIB/offsite/catalog.db" ] && [ ! -e "$LIB/offsite/catalog.db.partial" ]
ok $? "the staging copy of the catalog is gone from the library after the push"

lap "a change"
# --- a change, a backup, the second push -------------------------------------------------
head -c 300000 /dev/urandom >"$INT/new-photo.jpg"
touch -d '2026-01-02 03:04:05' "$INT/new-photo.jpg"
vrun --phone "$PHONE,serial=OFFSITE" -- "$CLI" backup --json >"$WORK/b2" 2>"$WORK/b2.err"
ok $? "the changed phone is backed up again"
new_bytes=$(json 'd["new_bytes"]' <"$WORK/b2")
catalog_bytes=$(stat -c %s "$LIB/catalog.db")
t=$(now)
"$CLI" offsite push "${R[@]}" --json >"$WORK/p2" 2>"$WORK/p2.err"
ok $? "the second push succeeds"
t2=$(since "$t")
added2=$(json 'd["bytes_added"]' <"$WORK/p2")
id2=$(json 'd["id"]' <"$WORK/p2")
diag "second push: $added2 bytes added ($new_bytes new in the library, catalog $catalog_bytes bytes), $t2 s (first: $t1 s)"
[ "$added2" -ge "$new_bytes" ] && [ "$added2" -le $((new_bytes + catalog_bytes + 65536)) ]
ok $? "it sends about the new data only ($added2 bytes for $new_bytes new)"
n_blobs1=$(json 'd["files_new"]' <"$WORK/p1")
is "$(json 'd["files_unmodified"]' <"$WORK/p2")" "$((n_blobs1 - 1))" \
   "restic skipped every blob of the first push unread (all but the catalog unmodified)"
rrestic snapshots --json >"$WORK/rs" 2>/dev/null
is "$(json '[s.get("parent", "")[:8] for s in d if s["id"].startswith("'"$id2"'")][0]' <"$WORK/rs")" "${id1:0:8}" \
   "restic used the first push as the second one's parent"
is "$(json 'd["snapshots"]' <"$WORK/p2")" "[1, 2]" "the second push holds library snapshots 1 and 2"

# --- list ---------------------------------------------------------------------------------
"$CLI" offsite list "${R[@]}" --json >"$WORK/l" 2>"$WORK/l.err"
ok $? "offsite list succeeds"
is "$(json '[(c["id"][:8], c["snapshots"]) for c in d]' <"$WORK/l")" "[('${id1:0:8}', [1]), ('${id2:0:8}', [1, 2])]" \
   "it shows both pushes, oldest first, with their library snapshots"
is "$(json 'd[0]["library"]' <"$WORK/l")" "$LIB" "and where the library was"
"$CLI" offsite list "${R[@]}" >"$WORK/l.txt" 2>&1
grep -q "^${id2:0:8} .* 1-2\$" "$WORK/l.txt"
ok $? "the table names the copy and its snapshots: $(tail -1 "$WORK/l.txt")"

# --- encryption ----------------------------------------------------------------------------
python3 - "$REPO" "$INT/video-1.mp4" "new-photo.jpg" <<'EOF'
import os, sys
repo, known, name = sys.argv[1], sys.argv[2], sys.argv[3].encode()
with open(known, "rb") as f:
    f.seek(3 << 20)
    chunk = f.read(64)
for root, _, files in os.walk(repo):
    for n in files:
        data = open(os.path.join(root, n), "rb").read()
        if chunk in data or name in data:
            print("found in", n)
            sys.exit(1)
EOF
ok $? "neither a file's content nor a file name appears in the repository in clear"

lap "restore onto"
# --- restore onto a "new PC" ------------------------------------------------------------------
"$CLI" snapshots --json >"$WORK/snaps.lib"
"$CLI" offsite restore "${R[@]}" "$WORK/newpc/library" >"$WORK/r.out" 2>&1
ok $? "offsite restore rebuilds the library in a new folder"
check "lifeboat-cli verify finds the restored library whole" -- "$CLI" --library "$WORK/newpc/library" verify
"$CLI" --library "$WORK/newpc/library" snapshots --json >"$WORK/snaps.new"
cmp -s "$WORK/snaps.lib" "$WORK/snaps.new"
ok $? "it lists the same snapshots"
"$CLI" --library "$WORK/newpc/library" extract latest / --to "$WORK/out2" >/dev/null 2>&1 &&
  diff -r "$WORK/out2" "$PHONE" -x .vphone >"$WORK/d2" 2>&1
ok $? "the newest snapshot extracts byte-identical to the phone"
"$CLI" extract 1 / --to "$WORK/out1.lib" >/dev/null 2>&1 &&
  "$CLI" --library "$WORK/newpc/library" extract 1 / --to "$WORK/out1.new" >/dev/null 2>&1 &&
  diff -r "$WORK/out1.lib" "$WORK/out1.new" >"$WORK/d1" 2>&1
ok $? "the first snapshot extracts the same from both libraries"
is "$(find "$WORK/newpc/library" \( -type d ! -perm 700 \) -o \( -type f ! -perm 600 \) | wc -l)" 0 \
   "every restored folder is 0700 and every file 0600"
[ ! -e "$WORK/newpc/library/.lifeboat-offsite-partial" ] && [ ! -e "$WORK/newpc/library/offsite" ]
ok $? "no staging folder is left in it"
"$CLI" offsite restore "${R[@]}" --at "${id1:0:8}" "$WORK/older" >/dev/null 2>&1 &&
  "$CLI" --library "$WORK/older" snapshots --json >"$WORK/snaps.older"
is "$(json '[s["id"] for s in d]' <"$WORK/snaps.older")" "[1]" "--at restores an older copy, with what it held"

"$CLI" offsite check "${R[@]}" --read-data-subset 50% >"$WORK/ck.out" 2>&1
ok $? "offsite check passes: restic's check and a verify of what a restore gives ($(tail -1 "$WORK/ck.out"))"

mkdir -p "$WORK/full" && echo mine >"$WORK/full/mine.txt"
"$CLI" offsite restore "${R[@]}" "$WORK/full" >"$WORK/rf.out" 2>&1
is "$?" 1 "a restore into a folder that is not empty is refused"
grep -q "is not empty" "$WORK/rf.out" && [ "$(ls -A "$WORK/full")" = mine.txt ]
ok $? "saying so, and writing nothing there: $(head -1 "$WORK/rf.out")"
"$CLI" offsite restore "${R[@]}" --at=--help "$WORK/opt" >"$WORK/ro.out" 2>&1
is "$?" 1 "an --at that is not a copy id is refused before restic sees it"

lap "errors people meet"
# --- errors people meet ------------------------------------------------------------------------
cp "$LIB/catalog.db" "$WORK/catalog.before"
"$CLI" offsite push --repo "$REPO" --password-file "$WORK/bad-pw" >"$WORK/wp.out" 2>&1
is "$?" 1 "a push with a wrong password fails (exit 1)"
grep -q "The password is wrong for the repository $REPO" "$WORK/wp.out"
ok $? "saying so: $(head -1 "$WORK/wp.out")"
"$CLI" offsite list --repo "$REPO" >"$WORK/np.out" 2>&1 </dev/null
grep -q "No password given" "$WORK/np.out"
ok $? "no password at all is named as such: $(head -1 "$WORK/np.out")"
mkdir -p "$WORK/nobin"
PATH="$WORK/nobin" "$CLI" offsite push "${R[@]}" >"$WORK/nr.out" 2>&1
is "$?" 1 "without restic on PATH the push fails"
grep -q "restic is not installed" "$WORK/nr.out"
ok $? "saying so: $(head -1 "$WORK/nr.out")"
"$CLI" offsite list --repo "$WORK/nothing-here" --password-file "$WORK/pw" >"$WORK/nx.out" 2>&1
grep -q "There is no repository at $WORK/nothing-here" "$WORK/nx.out"
ok $? "a repository that is not there is named: $(head -1 "$WORK/nx.out")"

# A real exclusive lock: restic check holds one while it reads; stop it there.
locked=0
for _ in 1 2 3; do
  restic --repo "$REPO" --password-file "$WORK/pw" check --read-data >/dev/null 2>&1 &
  checker=$!
  for _ in $(seq 300); do
    [ -n "$(locks "$REPO")" ] && break
    sleep 0.01
  done
  kill -STOP "$checker" 2>/dev/null
  if [ -n "$(locks "$REPO")" ]; then locked=1; break; fi
  kill -CONT "$checker" 2>/dev/null; wait "$checker"
done
"$CLI" offsite push "${R[@]}" >"$WORK/lk.out" 2>&1
lk=$?
kill -CONT "$checker" 2>/dev/null; wait "$checker"
[ "$locked" = 1 ] && [ "$lk" = 1 ] && grep -q "is in use by another restic" "$WORK/lk.out"
ok $? "a repository locked by a running restic check is named as such: $(head -1 "$WORK/lk.out")"
cmp -s "$LIB/catalog.db" "$WORK/catalog.before" && [ ! -e "$LIB/offsite/catalog.db" ]
ok $? "none of these failures changed the library"

lap "an interrupted push"
# --- an interrupted push -------------------------------------------------------------------------
head -c $((6 << 20)) /dev/urandom >"$INT/video-3.mp4"
vrun --phone "$PHONE,serial=OFFSITE" -- "$CLI" backup -q
ok $? "a third backup with 6 MiB of new data"
"$CLI" snapshots --json >"$WORK/snaps.3"
# Kill the push hard (no Ctrl-C, no cleanup of its own) once restic runs,
# then restic itself hard, so it leaves its lock in the repository.
"$CLI" offsite push "${R[@]}" >/dev/null 2>&1 &
pusher=$!
for _ in $(seq 500); do child=$(pgrep -P "$pusher" -x restic) && break; sleep 0.01; done
# Once restic has locked the repository.
for _ in $(seq 500); do [ -n "$(locks "$REPO")" ] && break; sleep 0.01; done
kill -STOP "$child"; kill -9 "$pusher"; wait "$pusher" 2>/dev/null; kill -9 "$child"; kill -CONT "$child" 2>/dev/null
gone () { ! ps -o stat= -p "$1" | grep -qv Z; }  # gone, or a zombie nobody reaped yet
sleep 0.2
[ -n "$child" ] && gone "$child"
ok $? "a push and its restic killed mid-way are gone"
"$CLI" snapshots --json | cmp -s - "$WORK/snaps.3"
ok $? "the library lists the same snapshots"
check "and passes verify" -- "$CLI" verify
[ -n "$(locks "$REPO")" ]
ok $? "the killed restic left its lock in the repository"
"$CLI" offsite push "${R[@]}" --json >"$WORK/p3" 2>"$WORK/p3.err"
ok $? "the next push succeeds anyway (a dead backup's lock does not exclude another; push never unlocks)"
is "$(json 'd["snapshots"]' <"$WORK/p3")" "[1, 2, 3]" "and holds all three snapshots"

# Ctrl-C: SIGINT to the command alone; restic, its child, is told to stop.
locks_before=$(locks "$REPO")
"$CLI" offsite push "${R[@]}" >/dev/null 2>"$WORK/int.err" &
pusher=$!
for _ in $(seq 500); do child=$(pgrep -P "$pusher" -x restic) && break; sleep 0.01; done
# Once its restic has taken its own lock: it is at work.
for _ in $(seq 500); do [ "$(locks "$REPO")" != "$locks_before" ] && break; sleep 0.01; done
kill -INT "$pusher"; wait "$pusher"
is "$?" 1 "Ctrl-C stops a push (exit 1)"
grep -q "push stopped. The library is unchanged" "$WORK/int.err" && gone "$child"
ok $? "saying so, with restic gone: $(tail -1 "$WORK/int.err")"

lap "a backup during a push"
# --- a backup during a push ------------------------------------------------------------------------
# The password command sleeps: the push has taken its view of the catalog
# and holds the library's reader lock while restic waits for it.
"$CLI" snapshots --json >"$WORK/snaps.3b"
head -c 200000 /dev/urandom >"$INT/during.jpg"
"$CLI" offsite push --repo "$REPO" --password-command "sh -c 'sleep 4; cat $WORK/pw'" --json \
  >"$WORK/p5" 2>"$WORK/p5.err" &
pusher=$!
for _ in $(seq 500); do pgrep -P "$pusher" -x restic >/dev/null && break; sleep 0.01; done
python3 - "$LIB/lock" <<'EOF'
import fcntl, os, struct, sys
fd = os.open(sys.argv[1], os.O_RDWR)
try:
    fcntl.fcntl(fd, 37, struct.pack("hhqqi4x", fcntl.F_WRLCK, 0, 1, 1, 0))  # F_OFD_SETLK, byte 1: prune's lock
    sys.exit(1)
except BlockingIOError:
    sys.exit(0)
EOF
ok $? "while the push runs, prune's lock cannot be taken (no blob can be removed under it)"
t=$(now)
vrun --phone "$PHONE,serial=OFFSITE" -- "$CLI" backup --json >"$WORK/b5" 2>"$WORK/b5.err"
ok $? "a backup during the push succeeds"
tb=$(since "$t")
kill -0 "$pusher" 2>/dev/null
ok $? "and finished while the push was still running (${tb} s): it was not held up"
wait "$pusher"
ok $? "the push finishes too"
is "$(json 'd["snapshots"]' <"$WORK/p5")" "[1, 2, 3]" "it holds the snapshots of the moment it started, not the half-written one"
"$CLI" offsite restore "${R[@]}" --at "$(json 'd["id"]' <"$WORK/p5")" "$WORK/during" >/dev/null 2>&1 &&
  "$CLI" --library "$WORK/during" verify >"$WORK/v5" 2>&1 &&
  "$CLI" --library "$WORK/during" snapshots --json | cmp -s - "$WORK/snaps.3b"
ok $? "restored, that copy verifies and lists exactly the snapshots from before the backup"
# A damaged repository (a copy of it, one byte flipped in its largest pack).
cp -a "$REPO" "$WORK/repo-bad"
pack=$(find "$WORK/repo-bad/data" -type f -printf '%s %p\n' | sort -n | tail -1 | cut -d' ' -f2)
chmod u+w "$pack"
python3 -c 'import sys; f=open(sys.argv[1],"r+b"); f.seek(4096); b=f.read(1); f.seek(4096); f.write(bytes([b[0]^0xff]))' "$pack"
[ -n "$(locks "$WORK/repo-bad")" ]
ok $? "(that copy still holds the stale lock of the killed push, which check's restic unlock removes)"
"$CLI" offsite check --repo "$WORK/repo-bad" --password-file "$WORK/pw" --read-data-subset 100% >"$WORK/bad.out" 2>&1
is "$?" 1 "offsite check of a damaged repository fails"
grep -q "restic check finds the repository $WORK/repo-bad damaged" "$WORK/bad.out"
ok $? "saying so: $(head -1 "$WORK/bad.out")"
# --- a repository on a full disk ----------------------------------------------------------------
# A 4 MiB tmpfs, mounted in a private user and mount namespace (no root needed).
cat >"$WORK/full.sh" <<'EOF'
mount -t tmpfs -o size=4m tmpfs "$1" || exit 99
"$2" offsite init --repo "$1/repo" --password-file "$3" >/dev/null 2>&1 || exit 98
"$2" offsite push --repo "$1/repo" --password-file "$3"
EOF
mkdir -p "$WORK/small"
"$CLI" snapshots --json >"$WORK/snaps.full"
unshare -rm sh "$WORK/full.sh" "$WORK/small" "$CLI" "$WORK/pw" >"$WORK/full.out" 2>&1
rc=$?
if [ "$rc" = 99 ]; then
  skip 2 "this kernel does not let a user namespace mount a tmpfs"
else
  # Either Lifeboat tells a full repository, or restic 0.14 panicked before
  # its first status line, when nothing tells how much it still had to
  # send: then its own words stand (CI saw it once, stop 22).  The stand-in
  # restic below pins how the two crashes are told apart.
  [ "$rc" = 1 ] && { grep -q "The repository $WORK/small/repo is full" "$WORK/full.out" ||
                     grep -q "restic failed (exit status 2): runtime error: invalid memory address" "$WORK/full.out"; }
  ok $? "a push onto a full disk fails, saying so: $(head -1 "$WORK/full.out")" ||
    sed 's/^/#   /' "$WORK/full.out"
  "$CLI" snapshots --json | cmp -s - "$WORK/snaps.full" && [ ! -e "$LIB/offsite/catalog.db" ]
  ok $? "and the library is untouched"
fi
# restic 0.14 sometimes dies of a nil-pointer panic on a full disk, and
# removes the pack it could not write before it dies, so the disk has room
# again when we look (CI saw it twice).  A stand-in restic that crashes
# exactly so pins how Lifeboat tells the two crashes apart: one with more
# still to send than the repository's disk holds, and one without.
mkdir -p "$WORK/crashbin"
cat >"$WORK/crashbin/restic" <<'EOF'
#!/bin/sh
for a; do [ "$a" = backup ] && break; done
[ "$a" = backup ] || exec restic "$@"
echo "{\"message_type\":\"status\",\"total_bytes\":$CRASH_TOTAL,\"bytes_done\":1000}"
echo "panic: runtime error: invalid memory address or nil pointer dereference"
echo "[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x8c2b1e]"
exit 2
EOF
chmod +x "$WORK/crashbin/restic"
CRASH_TOTAL=$(( $(df -B1 --output=avail "$REPO" | tail -1) + (64 << 20) )) PATH="$WORK/crashbin:$PATH" \
  "$CLI" offsite push "${R[@]}" >"$WORK/crash1.out" 2>&1
rc=$?
[ "$rc" = 1 ] && grep -q "The repository $REPO is full" "$WORK/crash1.out"
ok $? "restic crashing with more to send than its disk has free is a full repository: $(head -1 "$WORK/crash1.out")"
CRASH_TOTAL=5000 PATH="$WORK/crashbin:$PATH" "$CLI" offsite push "${R[@]}" >"$WORK/crash2.out" 2>&1
rc=$?
[ "$rc" = 1 ] && grep -q "restic failed (exit status 2): runtime error: invalid memory address" "$WORK/crash2.out" &&
  ! grep -q "is full" "$WORK/crash2.out"
ok $? "restic crashing with room to spare is its crash, in its words: $(head -1 "$WORK/crash2.out")"

lap "a repository over the network"
# --- a repository over the network, gone mid-push ------------------------------------------
if need_tool rclone rclone 6; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  RREPO="$WORK/rest-repo"
  mkdir -p "$RREPO"
  serve () { rclone serve restic --addr "127.0.0.1:$port" "$RREPO" >>"$WORK/rclone.log" 2>&1 & server=$!;
             for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.05; done; }
  serve
  NET=(--repo "rest:http://127.0.0.1:$port/" --password-file "$WORK/pw")
  "$CLI" offsite init "${NET[@]}" >/dev/null 2>&1
  ok $? "a repository served by rclone serve restic on 127.0.0.1"
  "$CLI" snapshots --json >"$WORK/snaps.net"
  t=$(now)
  LIFEBOAT_RESTIC_RETRY_SECONDS=3 "$CLI" offsite push "${NET[@]}" >"$WORK/net.out" 2>&1 &
  pusher=$!
  # The server goes once the push has locked the repository and sends.
  for _ in $(seq 500); do [ -n "$(locks "$RREPO")" ] && break; sleep 0.01; done
  kill "$server"; wait "$server" 2>/dev/null
  wait "$pusher"
  rc=$?
  tn=$(since "$t")
  [ "$rc" = 1 ] && grep -q "has not answered for 3 seconds\|cannot be reached" "$WORK/net.out"
  ok $? "the push stops when the server is gone, in $tn s: $(head -1 "$WORK/net.out")"
  "$CLI" snapshots --json | cmp -s - "$WORK/snaps.net" && [ ! -e "$LIB/offsite/catalog.db" ]
  ok $? "the library is untouched"
  serve
  "$CLI" offsite push "${NET[@]}" --json >"$WORK/net2" 2>"$WORK/net2.err"
  ok $? "with the server back, the next push completes"
  # The stopped push could not remove its lock from a server that was gone:
  # restic unlock removes it (stale: its process is gone), as offsite check does.
  restic --repo "rest:http://127.0.0.1:$port/" --password-file "$WORK/pw" unlock >"$WORK/net-check" 2>&1 &&
    restic --repo "rest:http://127.0.0.1:$port/" --password-file "$WORK/pw" check >>"$WORK/net-check" 2>&1
  ok $? "and restic check finds the repository clean: $(tail -1 "$WORK/net-check")"
  "$CLI" offsite list "${NET[@]}" --json | json '[c["snapshots"] for c in d]' | grep -q "\[1, 2, 3, 4\]"
  ok $? "listing the copy with every library snapshot"
  kill "$server"; wait "$server" 2>/dev/null
fi

lap "end"
diag "pushes: first $t1 s ($added1 bytes), second $t2 s ($added2 bytes) for $lib_bytes bytes of blobs"
done_testing
