# SPDX-License-Identifier: GPL-3.0-or-later
"""The states a power cut could leave, rebuilt from an fsrec log.

A kill -9 leaves what the program wrote in the page cache, and the kernel
writes it later: it never shows a missing fsync.  A power cut loses
whatever was not durable.  This module replays tests/faults/fsrec.c's log
of a run over the folder as it was before the run, keeping two views:

  volatile   every call applied (what the program sees),
  durable    what survives a power cut for sure:
             - a file's writes and truncations, once fsync()/fdatasync()
               of that file returned;
             - a name made, renamed or removed (create, mkdir, rename,
               unlink, rmdir), once fsync() of its folder returned (for a
               rename, either folder: Linux file systems journal a rename
               as one transaction);
             - everything, at sync()/syncfs().

Between the two lie the states a power cut may leave: the durable view
plus any subset of the pending operations, applied in any order that keeps
each file's own writes in order.  Exploring every subset is exponential;
after ALICE (Pillai et al., OSDI 2014) each prefix of the log gives, bounded:

  synced     the durable view alone (every pending operation lost),
  all        every pending operation applied,
  drop:N     all applied but pending operation N,
  torn:N     all applied, and pending write N cut after its first 4 KiB
             block boundary (a sector-sized torn write).

Two parts of the library are left out of every state, saying why: SQLite's
catalog.db-shm is memory-mapped (no write() to record) and rebuilt from the
WAL when it is missing; tmp/ holds blobs being written, and a library
opened for writing empties it, while nothing ever reads it.
"""
import hashlib
import os
import shutil

BLOCK = 4096


def parse_log(path):
    """The records of an fsrec log, as tuples."""
    ops = []
    with open(path, 'rb') as f:
        data = f.read()
    i = 0
    while i < len(data):
        j = data.index(b'\n', i)
        fields = data[i:j].decode('utf-8', 'surrogateescape').split('\t')
        i = j + 1
        kind = fields[0]
        if kind == 'W':
            n = int(fields[3])
            ops.append(('W', int(fields[1]), int(fields[2]), data[i:i + n]))
            i += n
        elif kind == 'O':
            ops.append(('O', int(fields[1]), fields[2], fields[3] == '1', fields[4] == '1'))
        elif kind == 'T':
            ops.append(('T', int(fields[1]), int(fields[2])))
        elif kind == 'S':
            ops.append(('S', int(fields[1]), fields[2]))
        elif kind == 'R':
            ops.append(('R', int(fields[1]), fields[2], fields[3]))
        elif kind in 'UDM':
            ops.append((kind, fields[1]))
        elif kind == 'Y':
            ops.append(('Y',))
        else:
            raise ValueError('fsrec log %s: unknown record %r' % (path, kind))
    return ops


def excluded(rel):
    """Parts of the tree no state holds (see the module's comment)."""
    parts = rel.split('/')
    return rel.endswith('-shm') or (len(parts) >= 2 and parts[-2] == 'tmp')


def apply_data(content, op):
    if op[0] == 'W':
        _, _, off, buf = op
        if len(content) < off:
            content.extend(b'\0' * (off - len(content)))
        content[off:off + len(buf)] = buf
    else:  # 'T'
        n = op[2]
        if n < len(content):
            del content[n:]
        else:
            content.extend(b'\0' * (n - len(content)))


def torn(op):
    """Write OP cut after the first 4 KiB boundary past its offset."""
    _, ino, off, buf = op
    keep = BLOCK - off % BLOCK
    return ('W', ino, off, buf[:keep])


def apply_name(names, dirs, op):
    kind = op[0]
    if kind == 'create':
        names[op[1]] = op[2]
    elif kind == 'mkdir':
        dirs.add(op[1])
    elif kind == 'unlink':
        names.pop(op[1], None)
    elif kind == 'rmdir':
        dirs.discard(op[1])
    elif kind == 'rename':
        src, dst, fid = op[1], op[2], op[3]
        if src in dirs or any(d.startswith(src + '/') for d in dirs):
            for d in sorted(dirs):
                if d == src or d.startswith(src + '/'):
                    dirs.discard(d)
                    dirs.add(dst + d[len(src):])
            for p in list(names):
                if p.startswith(src + '/'):
                    names[dst + p[len(src):]] = names.pop(p)
        else:
            names.pop(src, None)
            names[dst] = fid


def name_parents(op):
    if op[0] == 'rename':
        return {os.path.dirname(op[1]), os.path.dirname(op[2])}
    return {os.path.dirname(op[1])}


class Model:
    """Volatile and durable views of the tree under ROOT."""

    def __init__(self, root):
        self.root = root
        self.next_id = 0
        self.by_ino = {}    # inode number -> newest file id
        self.vol = {}       # file id -> bytearray
        self.dur = {}       # file id -> bytes
        self.pending_data = {}  # file id -> [op]
        self.vnames, self.dnames = {}, {}
        self.vdirs, self.ddirs = set(), set()
        self.pending_names = []  # [op]
        for top, dirs, files in os.walk(root):
            for d in dirs:
                p = os.path.join(top, d)
                self.vdirs.add(p)
                self.ddirs.add(p)
            for f in files:
                p = os.path.join(top, f)
                st = os.lstat(p)
                fid = self._new(st.st_ino)
                with open(p, 'rb') as fh:
                    body = fh.read()
                self.vol[fid] = bytearray(body)
                self.dur[fid] = body
                self.vnames[p] = self.dnames[p] = fid

    def _new(self, ino):
        fid = self.next_id
        self.next_id += 1
        self.by_ino[ino] = fid
        self.vol[fid] = bytearray()
        self.dur[fid] = b''
        self.pending_data[fid] = []
        return fid

    def _fid(self, ino):
        if ino not in self.by_ino:
            raise ValueError('fsrec log: a write to inode %d, never opened below the root' % ino)
        return self.by_ino[ino]

    def step(self, op):
        kind = op[0]
        if kind == 'O':
            _, ino, path, created, is_dir = op
            if is_dir:
                return
            if created:
                if path in self.vdirs:
                    return
                fid = self._new(ino)
                nop = ('create', path, fid)
                apply_name(self.vnames, self.vdirs, nop)
                self.pending_names.append(nop)
            elif ino not in self.by_ino:
                # opened below the root, made before the recording began
                # by someone fsrec did not watch: take it as durable
                fid = self._new(ino)
                self.vnames.setdefault(path, fid)
                self.dnames.setdefault(path, fid)
        elif kind in ('W', 'T'):
            fid = self._fid(op[1])
            apply_data(self.vol[fid], op)
            self.pending_data[fid].append(op)
        elif kind == 'S':
            _, ino, path = op
            if path in self.vdirs or path == self.root:
                keep = []
                for nop in self.pending_names:
                    if path in name_parents(nop):
                        apply_name(self.dnames, self.ddirs, nop)
                    else:
                        keep.append(nop)
                self.pending_names = keep
            else:
                fid = self._fid(ino)
                self.dur[fid] = bytes(self.vol[fid])
                self.pending_data[fid] = []
        elif kind == 'R':
            _, ino, src, dst = op
            fid = self.by_ino.get(ino, -1)
            nop = ('rename', src, dst, fid)
            apply_name(self.vnames, self.vdirs, nop)
            self.pending_names.append(nop)
        elif kind in 'UDM':
            nop = ({'U': 'unlink', 'D': 'rmdir', 'M': 'mkdir'}[kind], op[1])
            apply_name(self.vnames, self.vdirs, nop)
            self.pending_names.append(nop)
        elif kind == 'Y':
            for fid in self.vol:
                self.dur[fid] = bytes(self.vol[fid])
                self.pending_data[fid] = []
            self.dnames, self.ddirs = dict(self.vnames), set(self.vdirs)
            self.pending_names = []

    def pending(self):
        """The pending operations, as ('data', fid, index) / ('name', index)."""
        out = []
        for fid, ops in self.pending_data.items():
            out.extend(('data', fid, i) for i in range(len(ops)))
        out.extend(('name', i) for i in range(len(self.pending_names)))
        return out

    def state(self, variant, which=None):
        """(names: path -> bytes, dirs) for a variant: 'synced', 'all',
        'drop' or 'torn' (of pending operation WHICH)."""
        names, dirs = dict(self.dnames), set(self.ddirs)
        if variant != 'synced':
            for i, nop in enumerate(self.pending_names):
                if variant == 'drop' and which == ('name', i):
                    continue
                apply_name(names, dirs, nop)
        contents = {}
        for path, fid in names.items():
            if variant == 'synced':
                body = self.dur[fid]
            elif variant == 'all' or which[0] != 'data' or which[1] != fid:
                body = bytes(self.vol[fid])
            else:
                c = bytearray(self.dur[fid])
                for i, op in enumerate(self.pending_data[fid]):
                    if i == which[2]:
                        if variant == 'drop':
                            continue
                        if op[0] == 'W':
                            op = torn(op)
                    apply_data(c, op)
                body = bytes(c)
            contents[path] = body
        return contents, dirs


def key(root, contents, dirs):
    """A digest of a state, without what no state holds."""
    h = hashlib.sha256()
    for d in sorted(dirs):
        h.update(b'D' + os.path.relpath(d, root).encode('utf-8', 'surrogateescape') + b'\0')
    for p in sorted(contents):
        rel = os.path.relpath(p, root)
        if excluded(rel):
            continue
        h.update(b'F' + rel.encode('utf-8', 'surrogateescape') + b'\0')
        h.update(hashlib.sha256(contents[p]).digest())
    return h.hexdigest()


def materialize(root, contents, dirs):
    """Makes ROOT hold exactly the state (modes as the library makes them)."""
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root, mode=0o700)
    for d in sorted(dirs):
        os.makedirs(d, mode=0o700, exist_ok=True)
    for p, body in contents.items():
        if excluded(os.path.relpath(p, root)):
            continue
        parent = os.path.dirname(p)
        if not os.path.isdir(parent):
            # the file's name is durable but its folder's is not: on a
            # real file system the name is then unreachable (lost+found)
            continue
        fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.write(fd, body)
        os.close(fd)


def explore(model, log, stride=1, sample=None, rng=None):
    """Yields (prefix, variant-label, contents, dirs) for each distinct
    state, in order.  STRIDE > 1 looks at every STRIDE-th prefix only (and
    the last); SAMPLE, when set, keeps at most that many single-operation
    variants per prefix, drawn with RNG."""
    ops = parse_log(log)
    root = model.root
    seen = set()
    for n, op in enumerate(ops + [None]):
        if op is not None and n % stride != 0 and n != len(ops) - 1:
            model.step(op)
            continue
        variants = [('synced', None), ('all', None)]
        singles = []
        for w in model.pending():
            singles.append(('drop', w))
            pend = model.pending_data[w[1]][w[2]] if w[0] == 'data' else None
            # only a write that crosses a block boundary can be torn
            if pend is not None and pend[0] == 'W' and len(pend[3]) > BLOCK - pend[2] % BLOCK:
                singles.append(('torn', w))
        if sample is not None and len(singles) > sample:
            singles = rng.sample(singles, sample)
        for variant, which in variants + singles:
            contents, dirs = model.state(variant, which)
            k = key(root, contents, dirs)
            if k in seen:
                continue
            seen.add(k)
            label = variant if which is None else '%s:%s' % (variant, ':'.join(map(str, which)))
            yield n, label, contents, dirs
        if op is not None:
            model.step(op)
