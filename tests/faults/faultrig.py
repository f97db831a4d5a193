# SPDX-License-Identifier: GPL-3.0-or-later
"""What tests/faults/explore and tests/faults/campaign share: a library
and a virtual phone in a work folder, lifeboat-cli run on them (through
vphone-run, and under tests/faults/fsrec.so when asked)."""
import json
import os
import shutil
import sqlite3
import subprocess
import time

SRC = os.environ.get('top_srcdir') or os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))
BUILD = os.environ.get('top_builddir') or SRC
CLI = os.path.join(BUILD, 'src', 'cli', 'lifeboat-cli')
VRUN = os.path.join(BUILD, 'tests', 'vphone', 'vphone-run')
MAKE_PHONE = os.path.join(SRC, 'tests', 'vphone', 'make-phone')
FSREC = os.path.join(BUILD, 'tests', 'faults', 'fsrec.so')
INTERNAL = 'Internal shared storage'
SD_CARD = 'SD card'
# The window's setting: lifeboat-cli finds the library there, as after a move.
SETTING = ['io.github.lifeboat.Lifeboat', 'library-location']


class Rig:
    def __init__(self, work, seed):
        self.work = work
        self.root = os.path.join(work, 'root')
        self.phone = os.path.join(work, 'phone')
        self.seed = seed
        self.start_files = None  # files on the phone before the first change
        self.env = dict(os.environ)
        self.env.update({
            'HOME': os.path.join(self.root, 'home'),
            'XDG_CONFIG_HOME': os.path.join(self.root, 'config'),
            'XDG_DATA_HOME': os.path.join(self.root, 'home', 'data'),
            'GSETTINGS_BACKEND': 'keyfile',
            'GSETTINGS_SCHEMA_DIR': os.path.join(BUILD, 'data'),
            'LANG': 'C.UTF-8', 'TZ': 'UTC',
        })
        self.env.pop('LIFEBOAT_LIBRARY', None)

    def make_phone(self, sd_card=False):
        """The small phone; with SD_CARD, a second storage holding a copy
        of its camera folder, for files to move between storages."""
        subprocess.run([MAKE_PHONE, self.phone, '--preset', 'small', '--seed', str(self.seed)],
                       check=True, capture_output=True)
        if sd_card:
            camera = os.path.join('DCIM', 'Camera')
            shutil.copytree(os.path.join(self.phone, INTERNAL, camera), os.path.join(self.phone, SD_CARD, camera))

    def storages(self):
        return sorted(n for n in os.listdir(self.phone) if not n.startswith('.'))

    def new_library(self):
        """An empty root with a new library in root/lib, named in the
        setting, holding a first snapshot of the phone."""
        subprocess.run(['rm', '-rf', self.root], check=True)
        os.makedirs(self.root)
        lib = os.path.join(self.root, 'lib')
        subprocess.run(['gsettings', 'set'] + SETTING + [lib], env=self.env, check=True)
        self.cli('init', lib, check=True)
        self.backup()

    def library(self):
        """Where the setting says the library is."""
        return subprocess.run(['gsettings', 'get'] + SETTING, env=self.env, capture_output=True,
                              text=True).stdout.strip().strip("'")

    def cli(self, *args, check=False, timeout=120):
        r = subprocess.run([CLI] + list(args), env=self.env, capture_output=True, timeout=timeout)
        if check and r.returncode != 0:
            raise RuntimeError('lifeboat-cli %s failed: %s' % (' '.join(args), r.stderr.decode(errors='replace')))
        return r

    def vrun(self, cmd, record=None, brk=None, enospc=None, phone_opts='', stats=None, timeout=300):
        env = dict(self.env)
        pre = []
        if record or enospc is not None:
            env['FSREC_ROOT'] = self.root
            if record:
                env['FSREC_LOG'] = record
            if brk:
                env['FSREC_BREAK'] = brk
            if enospc is not None:
                env['FSREC_ENOSPC_AFTER'] = str(enospc)
            # First in LD_PRELOAD, ahead of umockdev's, whose open() goes
            # to libc directly (a sanitizer runtime would have to come
            # first: this runs in the build without).
            pre = ['sh', '-c', 'LD_PRELOAD="$0${LD_PRELOAD:+:$LD_PRELOAD}" exec "$@"', FSREC]
        extra = ['--stats', stats] if stats else []
        return subprocess.run([VRUN] + extra + ['--phone', self.phone + ',serial=EXPLORE' + phone_opts, '--'] + pre + cmd,
                              env=env, capture_output=True, timeout=timeout)

    def backup(self):
        r = self.vrun([CLI, 'backup', '--json'])
        if r.returncode != 0:
            raise RuntimeError('backup failed: ' + r.stderr.decode(errors='replace'))

    def change_phone(self, rng):
        """New, edited, deleted and renamed files between backups."""
        files = []
        for top, _, names in os.walk(self.phone):
            if '/.vphone' in top:
                continue
            files.extend(os.path.join(top, n) for n in names)
        files.sort()
        rng.shuffle(files)
        os.unlink(files[0])
        # Each change adds one file net; unbounded, a 1,000-run campaign
        # slowed from 2.3 to 5.1 s a run as every backup listed more.
        if self.start_files is None:
            self.start_files = len(files)
        if len(files) > self.start_files + 30:
            os.unlink(files[6])
        os.rename(files[1], files[1] + '-renamed')
        with open(files[2], 'ab') as f:
            f.write(b'edited %d' % rng.randrange(1 << 30))
        new = os.path.join(os.path.dirname(files[3]), 'new-%d.bin' % rng.randrange(1 << 30))
        with open(new, 'wb') as f:
            f.write(rng.randbytes(rng.choice([0, 100, 5000, 70000])))
        # a second copy of existing content: deduplicated
        with open(files[4], 'rb') as f, open(new + '.copy', 'wb') as g:
            g.write(f.read())
        t = time.time() - rng.randrange(1, 10 ** 6)
        for p in (files[2], new, new + '.copy'):
            os.utime(p, (t, t))
        changed = [files[1] + '-renamed', files[2], new, new + '.copy']
        storages = self.storages()
        if len(storages) > 1:
            # one file moves to the same folder on another storage
            rel = os.path.relpath(files[5], self.phone).split(os.sep)
            rel[0] = rng.choice([s for s in storages if s != rel[0]])
            moved = os.path.join(self.phone, *rel)
            os.makedirs(os.path.dirname(moved), exist_ok=True)
            if not os.path.exists(moved):
                os.rename(files[5], moved)
                changed.append(moved)
        # what a backup must read: the phone paths of new and changed files
        return ['/' + os.path.relpath(p, self.phone) for p in changed]

    def listings(self):
        """snapshot id -> (state, listing digest), in the current library."""
        r = self.cli('snapshots', '--json')
        if r.returncode != 0:
            return None
        out = {}
        for s in json.loads(r.stdout):
            if s['state'] != 'complete':
                out[s['id']] = (s['state'], None)
                continue
            ls = self.cli('ls', '-r', '--json', str(s['id']), '/')
            out[s['id']] = (s['state'], ls.stdout if ls.returncode == 0 else None)
        return out


def check_state(rig, before, after, next_backup):
    """The violations in the library as it is now in rig.root.  AFTER: the
    listings once the operation ran to its end (None: not known)."""
    bad = []
    r = rig.cli('verify')
    if r.returncode != 0:
        msg = (r.stderr or r.stdout).decode(errors='replace').strip().splitlines()
        bad.append('verify: ' + (msg[0] if msg else 'exit %d' % r.returncode))
        return bad
    loc = rig.library()
    try:
        db = sqlite3.connect('file:%s?mode=ro' % os.path.join(loc, 'catalog.db'), uri=True)
        res = db.execute('PRAGMA integrity_check').fetchall()
        db.close()
        if res != [('ok',)]:
            bad.append('integrity: %r' % res[:3])
    except sqlite3.Error as e:
        bad.append('integrity: %s' % e)
    now = rig.listings()
    if now is None:
        return bad + ['snapshots: the library does not list its snapshots']
    for sid, (state, listing) in before.items():
        if state != 'complete':
            continue
        if sid not in now:
            if after is None or sid in after:
                bad.append('earlier: snapshot %d is gone' % sid)
        elif now[sid] != (state, listing):
            bad.append('earlier: snapshot %d changed' % sid)
    for sid, (state, listing) in now.items():
        if after is None or sid in before or state != 'complete':
            continue
        if sid not in after or after[sid] != (state, listing):
            bad.append('whole: snapshot %d is complete but not whole' % sid)
    if next_backup and not bad:
        r = rig.vrun([CLI, 'backup'])
        if r.returncode != 0:
            bad.append('next: the next backup failed: %s' % r.stderr.decode(errors='replace').strip()[:200])
        elif rig.cli('verify').returncode != 0:
            bad.append('next: verify fails after the next backup')
    return bad
