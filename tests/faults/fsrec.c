/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fsrec: an LD_PRELOAD recorder of the file-system calls a program makes
 * below one folder, for tests/faults/crashstates.py, which rebuilds from
 * them the states a power cut could leave (after ALICE, Pillai et al.,
 * OSDI 2014).  A kill -9 cannot show those: the kernel still writes what
 * the program did not sync.
 *
 *   FSREC_ROOT=/abs/folder  only paths below it are recorded
 *   FSREC_LOG=/abs/file     the log, appended to
 *   FSREC_BREAK=dirsync     fsync() of a folder below the root does nothing
 *                           (a rename or a new file left without its
 *                           directory sync: the broken build the checks
 *                           must catch)
 *   FSREC_BREAK=dbsync      fsync()/fdatasync() of catalog.db* do nothing
 *                           (what PRAGMA synchronous=OFF does)
 *   FSREC_ENOSPC_AFTER=N    a full disk: once N bytes were written below
 *                           the root, every further write fails with ENOSPC
 *                           (FSREC_LOG may then be left out)
 *
 * copy_file_range() is recorded as the write it is, its bytes read back
 * from the source.
 *
 * The log is a series of records, each a header line of tab-separated
 * fields, a write's header followed by its bytes:
 *   O ino path created dir  a file or folder (dir 1) opened (created 1: it did
 *                           not exist), followed by T ino 0 when O_TRUNC emptied it
 *   W ino offset length     then length bytes
 *   T ino length            ftruncate
 *   S ino path              fsync or fdatasync (of a file or a folder)
 *   R ino from to           rename (ino: what moved)
 *   U path / D path / M path  unlink, rmdir, mkdir
 *   Y                       sync() or syncfs(): everything durable
 * An operation and its record happen under one lock, so the log's order is
 * the order the kernel saw them in.  Calls that can write a library file
 * and are not here (mmap: only SQLite's -shm, rebuilt from the WAL;
 * fallocate, dup'ed descriptors) are not used by
 * Lifeboat on library files; the replayer refuses a log that writes
 * through a descriptor it never saw opened. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#define MAX_FD 4096

typedef struct
{
  int tracked;
  int append;
  int is_db;
  int is_dir;
  ino_t ino;
} FdInfo;

static pthread_mutex_t lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
static FdInfo fds[MAX_FD];
static char root[PATH_MAX];
static size_t root_len;
static int log_fd = -1;
static int break_dirsync, break_dbsync, active;
static long long enospc_after = -1, written;

#define REAL(name) static __typeof__ (name) *real_##name; \
  if (!real_##name) real_##name = (__typeof__ (name) *) dlsym (RTLD_NEXT, #name)

static void
setup (void)
{
  static int done;
  const char *r, *l, *b;

  if (done)
    return;
  done = 1;
  r = getenv ("FSREC_ROOT");
  l = getenv ("FSREC_LOG");
  b = getenv ("FSREC_BREAK");
  if (!r || strlen (r) >= sizeof root - 1)
    return;
  active = 1;
  if (getenv ("FSREC_ENOSPC_AFTER"))
    enospc_after = atoll (getenv ("FSREC_ENOSPC_AFTER"));
  strcpy (root, r);
  root_len = strlen (root);
  while (root_len > 1 && root[root_len - 1] == '/')
    root[--root_len] = '\0';
  if (l)
    {
      REAL (open);
      log_fd = real_open (l, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    }
  break_dirsync = b && strstr (b, "dirsync") != NULL;
  break_dbsync = b && strstr (b, "dbsync") != NULL;
}

static void
put (const void *buf, size_t len)
{
  const char *p = buf;
  REAL (write);

  while (len > 0)
    {
      ssize_t n = real_write (log_fd, p, len);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        abort ();  /* a log with a hole would make every state a lie */
      p += n;
      len -= (size_t) n;
    }
}

static void
record (const char *fmt, ...)
{
  char line[3 * PATH_MAX + 64];
  va_list ap;
  int n;

  if (log_fd < 0)
    return;
  va_start (ap, fmt);
  n = vsnprintf (line, sizeof line, fmt, ap);
  va_end (ap);
  if (n < 0 || (size_t) n >= sizeof line)
    abort ();
  put (line, (size_t) n);
}

/* The absolute path of PATH relative to DIRFD, without resolving links
 * (the library's own paths have none). */
static int
absolute (int dirfd, const char *path, char *out)
{
  char base[PATH_MAX];
  ssize_t n;

  if (path[0] == '/')
    return snprintf (out, PATH_MAX, "%s", path) < PATH_MAX;
  if (dirfd == AT_FDCWD)
    {
      if (!getcwd (base, sizeof base))
        return 0;
    }
  else
    {
      char proc[64];
      snprintf (proc, sizeof proc, "/proc/self/fd/%d", dirfd);
      if ((n = readlink (proc, base, sizeof base - 1)) < 0)
        return 0;
      base[n] = '\0';
    }
  return snprintf (out, PATH_MAX, "%s/%s", base, path) < PATH_MAX;
}

static int
below_root (const char *abs)
{
  return active && strncmp (abs, root, root_len) == 0 && abs[root_len] == '/';
}

static void
opened (int fd, const char *abs, int flags, int created)
{
  struct stat st;
  const char *base = strrchr (abs, '/');

  if (fd < 0 || fd >= MAX_FD || fstat (fd, &st) < 0)
    return;
  fds[fd].tracked = 1;
  fds[fd].append = (flags & O_APPEND) != 0;
  fds[fd].is_dir = S_ISDIR (st.st_mode);
  fds[fd].is_db = base && strncmp (base + 1, "catalog.db", 10) == 0;
  fds[fd].ino = st.st_ino;
  record ("O\t%lu\t%s\t%d\t%d\n", (unsigned long) st.st_ino, abs, created, fds[fd].is_dir);
  if ((flags & O_TRUNC) && !created && S_ISREG (st.st_mode))
    record ("T\t%lu\t0\n", (unsigned long) st.st_ino);
}

static int
do_open (int dirfd, const char *path, int flags, mode_t mode, int (*call) (int, const char *, int, mode_t))
{
  char abs[PATH_MAX];
  struct stat st;
  int fd, existed = 1;

  setup ();
  if (!path || !absolute (dirfd, path, abs) || !below_root (abs))
    return call (dirfd, path, flags, mode);
  pthread_mutex_lock (&lock);
  if (flags & O_CREAT)
    existed = lstat (abs, &st) == 0;
  fd = call (dirfd, path, flags, mode);
  if (fd >= 0)
    opened (fd, abs, flags, !existed);
  pthread_mutex_unlock (&lock);
  return fd;
}

static int call_openat (int dirfd, const char *path, int flags, mode_t mode)
{ REAL (openat); return real_openat (dirfd, path, flags, mode); }
static int call_open (int dirfd, const char *path, int flags, mode_t mode)
{ REAL (open); (void) dirfd; return real_open (path, flags, mode); }

#define MODE_ARG(flags) \
  mode_t mode = 0; \
  if ((flags) & (O_CREAT | __O_TMPFILE)) { va_list ap; va_start (ap, flags); mode = va_arg (ap, mode_t); va_end (ap); }

int open (const char *path, int flags, ...) { MODE_ARG (flags); return do_open (AT_FDCWD, path, flags, mode, call_open); }
int open64 (const char *path, int flags, ...) { MODE_ARG (flags); return do_open (AT_FDCWD, path, flags, mode, call_open); }
int openat (int d, const char *path, int flags, ...) { MODE_ARG (flags); return do_open (d, path, flags, mode, call_openat); }
int openat64 (int d, const char *path, int flags, ...) { MODE_ARG (flags); return do_open (d, path, flags, mode, call_openat); }
int creat (const char *path, mode_t mode) { return do_open (AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode, call_open); }
int creat64 (const char *path, mode_t mode) { return do_open (AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode, call_open); }

static int
tracked (int fd)
{
  setup ();
  return fd >= 0 && fd < MAX_FD && fds[fd].tracked;
}

int
close (int fd)
{
  REAL (close);
  if (!tracked (fd))
    return real_close (fd);
  pthread_mutex_lock (&lock);
  fds[fd].tracked = 0;
  int r = real_close (fd);
  pthread_mutex_unlock (&lock);
  return r;
}

/* The full-disk injector: TRUE (errno ENOSPC) when COUNT more bytes do
 * not fit. */
static int
full (size_t count)
{
  if (enospc_after < 0 || written + (long long) count <= enospc_after)
    {
      written += (long long) count;
      return 0;
    }
  errno = ENOSPC;
  return 1;
}

static void
wrote (int fd, off_t offset, const void *buf, ssize_t n)
{
  if (n <= 0)
    return;
  record ("W\t%lu\t%lld\t%zd\n", (unsigned long) fds[fd].ino, (long long) offset, n);
  put (buf, (size_t) n);
}

static off_t
write_offset (int fd)
{
  if (fds[fd].append)
    {
      struct stat st;
      return fstat (fd, &st) == 0 ? st.st_size : -1;
    }
  return lseek (fd, 0, SEEK_CUR);
}

ssize_t
write (int fd, const void *buf, size_t count)
{
  REAL (write);
  if (!tracked (fd))
    return real_write (fd, buf, count);
  pthread_mutex_lock (&lock);
  if (full (count))
    {
      pthread_mutex_unlock (&lock);
      return -1;
    }
  off_t at = write_offset (fd);
  ssize_t n = real_write (fd, buf, count);
  wrote (fd, at, buf, n);
  pthread_mutex_unlock (&lock);
  return n;
}

#define PWRITE(name, offtype) \
  ssize_t name (int fd, const void *buf, size_t count, offtype offset) \
  { \
    REAL (name); \
    if (!tracked (fd)) \
      return real_##name (fd, buf, count, offset); \
    pthread_mutex_lock (&lock); \
    if (full (count)) \
      { \
        pthread_mutex_unlock (&lock); \
        return -1; \
      } \
    ssize_t n = real_##name (fd, buf, count, offset); \
    wrote (fd, (off_t) offset, buf, n); \
    pthread_mutex_unlock (&lock); \
    return n; \
  }
PWRITE (pwrite, off_t)
PWRITE (pwrite64, off64_t)

ssize_t
writev (int fd, const struct iovec *iov, int iovcnt)
{
  REAL (writev);
  if (!tracked (fd))
    return real_writev (fd, iov, iovcnt);
  size_t total = 0;
  for (int i = 0; i < iovcnt; i++)
    total += iov[i].iov_len;
  pthread_mutex_lock (&lock);
  if (full (total))
    {
      pthread_mutex_unlock (&lock);
      return -1;
    }
  off_t at = write_offset (fd);
  ssize_t n = real_writev (fd, iov, iovcnt), left = n;
  for (int i = 0; i < iovcnt && left > 0; i++)
    {
      ssize_t part = (ssize_t) iov[i].iov_len < left ? (ssize_t) iov[i].iov_len : left;
      wrote (fd, at, iov[i].iov_base, part);
      at += part;
      left -= part;
    }
  pthread_mutex_unlock (&lock);
  return n;
}

ssize_t
copy_file_range (int in, off64_t *in_off, int out, off64_t *out_off, size_t len, unsigned flags)
{
  REAL (copy_file_range);
  if (!tracked (out))
    return real_copy_file_range (in, in_off, out, out_off, len, flags);
  pthread_mutex_lock (&lock);
  if (full (len))
    {
      pthread_mutex_unlock (&lock);
      return -1;
    }
  off_t from = in_off ? *in_off : lseek (in, 0, SEEK_CUR);
  off_t at = out_off ? *out_off : write_offset (out);
  ssize_t n = real_copy_file_range (in, in_off, out, out_off, len, flags);
  if (n > 0)
    {
      char *buf = malloc ((size_t) n);
      if (!buf || pread (in, buf, (size_t) n, from) != n)
        abort ();
      wrote (out, at, buf, n);
      free (buf);
    }
  pthread_mutex_unlock (&lock);
  return n;
}

#define FTRUNCATE(name, offtype) \
  int name (int fd, offtype length) \
  { \
    REAL (name); \
    if (!tracked (fd)) \
      return real_##name (fd, length); \
    pthread_mutex_lock (&lock); \
    int r = real_##name (fd, length); \
    if (r == 0) \
      record ("T\t%lu\t%lld\n", (unsigned long) fds[fd].ino, (long long) length); \
    pthread_mutex_unlock (&lock); \
    return r; \
  }
FTRUNCATE (ftruncate, off_t)
FTRUNCATE (ftruncate64, off64_t)

static int
do_sync (int fd, int (*call) (int))
{
  char proc[64], abs[PATH_MAX];
  ssize_t n;

  if (!tracked (fd))
    return call (fd);
  if ((fds[fd].is_dir && break_dirsync) || (fds[fd].is_db && break_dbsync))
    return 0;
  pthread_mutex_lock (&lock);
  int r = call (fd);
  snprintf (proc, sizeof proc, "/proc/self/fd/%d", fd);
  n = readlink (proc, abs, sizeof abs - 1);
  abs[n < 0 ? 0 : n] = '\0';
  if (r == 0)
    record ("S\t%lu\t%s\n", (unsigned long) fds[fd].ino, abs);
  pthread_mutex_unlock (&lock);
  return r;
}

static int call_fsync (int fd) { REAL (fsync); return real_fsync (fd); }
static int call_fdatasync (int fd) { REAL (fdatasync); return real_fdatasync (fd); }
int fsync (int fd) { return do_sync (fd, call_fsync); }
int fdatasync (int fd) { return do_sync (fd, call_fdatasync); }

void
sync (void)
{
  REAL (sync);
  setup ();
  pthread_mutex_lock (&lock);
  real_sync ();
  record ("Y\n");
  pthread_mutex_unlock (&lock);
}

int
syncfs (int fd)
{
  REAL (syncfs);
  setup ();
  pthread_mutex_lock (&lock);
  int r = real_syncfs (fd);
  if (r == 0)
    record ("Y\n");
  pthread_mutex_unlock (&lock);
  return r;
}

static int
do_rename (int olddir, const char *from, int newdir, const char *to, unsigned flags)
{
  char a[PATH_MAX], b[PATH_MAX];
  struct stat st;
  REAL (renameat2);

  setup ();
  if (!absolute (olddir, from, a) || !absolute (newdir, to, b) || (!below_root (a) && !below_root (b)))
    return real_renameat2 (olddir, from, newdir, to, flags);
  pthread_mutex_lock (&lock);
  int have = lstat (a, &st) == 0;
  int r = real_renameat2 (olddir, from, newdir, to, flags);
  if (r == 0 && have)
    record ("R\t%lu\t%s\t%s\n", (unsigned long) st.st_ino, a, b);
  pthread_mutex_unlock (&lock);
  return r;
}

int rename (const char *from, const char *to) { return do_rename (AT_FDCWD, from, AT_FDCWD, to, 0); }
int renameat (int od, const char *from, int nd, const char *to) { return do_rename (od, from, nd, to, 0); }
int renameat2 (int od, const char *from, int nd, const char *to, unsigned flags) { return do_rename (od, from, nd, to, flags); }

static int
do_path (int dirfd, const char *path, char kind, int (*call) (int, const char *, int, mode_t), int flags, mode_t mode)
{
  char a[PATH_MAX];

  setup ();
  if (!path || !absolute (dirfd, path, a) || !below_root (a))
    return call (dirfd, path, flags, mode);
  pthread_mutex_lock (&lock);
  int r = call (dirfd, path, flags, mode);
  if (r == 0)
    record ("%c\t%s\n", kind, a);
  pthread_mutex_unlock (&lock);
  return r;
}

static int call_unlinkat (int d, const char *p, int f, mode_t m) { REAL (unlinkat); (void) m; return real_unlinkat (d, p, f); }
static int call_mkdirat (int d, const char *p, int f, mode_t m) { REAL (mkdirat); (void) f; return real_mkdirat (d, p, m); }

int unlink (const char *p) { return do_path (AT_FDCWD, p, 'U', call_unlinkat, 0, 0); }
int rmdir (const char *p) { return do_path (AT_FDCWD, p, 'D', call_unlinkat, AT_REMOVEDIR, 0); }
int unlinkat (int d, const char *p, int f) { return do_path (d, p, (f & AT_REMOVEDIR) ? 'D' : 'U', call_unlinkat, f, 0); }
int mkdir (const char *p, mode_t m) { return do_path (AT_FDCWD, p, 'M', call_mkdirat, 0, m); }
int mkdirat (int d, const char *p, mode_t m) { return do_path (d, p, 'M', call_mkdirat, 0, m); }
