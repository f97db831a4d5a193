/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Restore planning as a pure function: a snapshot's entries, what the phone
 * holds and what the restore journal remembers go in as data, and the
 * plan's decisions come out; no phone and no library.  The situations are
 * the ones a real restore meets: an empty phone, files already there, a
 * file the phone dated when it was sent, a memory card's names, another
 * phone, a phone too full, and storages that do not match. */
#include "config.h"

#include <glib.h>
#include <string.h>

#include "lb-error.h"
#include "lb-restore-private.h"

#define INTERNAL 0x00010001
#define CARD 0x00020001
#define PIXEL_SERIAL "PIXEL-1"
#define DAY (24 * 3600)

typedef struct {
  Restore r;
  LbRestoreOptions options;
  LbDeviceInfo *info;
  GPtrArray *sources;      /* LbStorageInfo*: the snapshot's storages */
  GHashTable *paths;       /* path id -> phone path */
  GHashTable *journal;     /* "storage|rel|size|mtime" -> blob */
} Fixture;

static LbStorageInfo *
storage (guint32 id, const char *description, LbStorageKind kind, guint64 free)
{
  LbStorageInfo *s = g_new0 (LbStorageInfo, 1);

  s->id = id;
  s->description = g_strdup (description);
  s->volume = g_strdup ("");
  s->kind = kind;
  s->capacity = 64ull << 30;
  s->free = free;
  return s;
}

static char *
journal_key (const char *storage, const char *rel, guint64 size, gint64 mtime)
{
  return g_strdup_printf ("%s|%s|%" G_GUINT64_FORMAT "|%" G_GINT64_FORMAT, storage, rel, size, mtime);
}

static char *
journal_lookup (gpointer data, const char *storage, const char *rel, guint64 size, gint64 mtime)
{
  Fixture *f = data;
  g_autofree char *key = journal_key (storage, rel, size, mtime);

  return g_strdup (g_hash_table_lookup (f->journal, key));
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  LbSnapshot *s = g_new0 (LbSnapshot, 1);

  (void) data;
  f->r.plan = lb_restore_plan_new ();
  lb_restore_init (&f->r, &f->options);
  f->r.entries = g_ptr_array_new_with_free_func ((GDestroyNotify) lb_entry_free);
  f->r.journal = journal_lookup;
  f->r.journal_data = f;
  f->paths = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  f->journal = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  s->id = 7;
  s->serial = g_strdup (PIXEL_SERIAL);
  s->vendor_id = 0x18d1;
  s->product_id = 0x4ee1;
  s->manufacturer = g_strdup ("Google");
  s->model = g_strdup ("Pixel 7");
  s->firmware = g_strdup ("");
  s->friendly_name = g_strdup ("");
  s->state = LB_SNAPSHOT_COMPLETE;
  s->started = 1767225600;   /* 2026-01-01 00:00 UTC */
  f->r.plan->snapshot = s;

  /* The same phone, wiped: empty storages. */
  f->info = g_new0 (LbDeviceInfo, 1);
  f->info->serial = g_strdup (PIXEL_SERIAL);
  f->info->vendor_id = 0x18d1;
  f->info->product_id = 0x4ee1;
  f->info->manufacturer = g_strdup ("Google");
  f->info->model = g_strdup ("Pixel 7");
  f->info->firmware = g_strdup ("");
  f->info->friendly_name = g_strdup ("");
  f->info->storages = g_ptr_array_new_with_free_func ((GDestroyNotify) lb_storage_info_free);
  g_ptr_array_add (f->info->storages, storage (INTERNAL, "Internal shared storage", LB_STORAGE_FIXED, 32ull << 30));
  f->r.info = f->info;

  f->sources = g_ptr_array_new_with_free_func ((GDestroyNotify) lb_storage_info_free);
  g_ptr_array_add (f->sources, storage (INTERNAL, "Internal shared storage", LB_STORAGE_FIXED, 0));
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  (void) data;
  lb_restore_clear (&f->r);
  lb_restore_plan_free (f->r.plan);
  lb_device_info_free (f->info);
  g_ptr_array_unref (f->sources);
  g_hash_table_unref (f->paths);
  g_hash_table_unref (f->journal);
}

/* An entry of the snapshot; parents come before their children, as the
 * library lists them. */
static void
entry (Fixture *f, gint64 id, gint64 parent, const char *storage_name, const char *name, gboolean folder,
       guint64 size, gint64 mtime, const char *blob)
{
  LbEntry *e = g_new0 (LbEntry, 1);
  const char *above = parent ? g_hash_table_lookup (f->paths, &parent) : NULL;

  e->path_id = id;
  e->parent_id = parent;
  e->storage = g_strdup (storage_name);
  e->name = g_strdup (name);
  e->is_folder = folder;
  e->size = size;
  e->mtime = mtime;
  e->blob = g_strdup (blob);
  e->phone_path = above ? g_strconcat (above, "/", name, NULL) : g_strconcat ("/", storage_name, "/", name, NULL);
  g_hash_table_insert (f->paths, g_memdup2 (&id, sizeof id), g_strdup (e->phone_path));
  g_ptr_array_add (f->r.entries, e);
}

/* Something the phone holds. */
static void
on_phone (Fixture *f, guint32 storage_id, const char *parent_rel, const char *name, guint32 handle, guint64 size,
          gint64 mtime, gboolean folder)
{
  g_free (lb_restore_note_target (&f->r, storage_id, parent_rel, name, handle, size, mtime, folder));
}

static gboolean
plan (Fixture *f, GError **error)
{
  return lb_restore_plan_storages (&f->r, f->sources, error) && lb_restore_plan_decide (&f->r, error);
}

static const LbRestoreAction *
action (Fixture *f, const char *phone_path)
{
  for (guint i = 0; i < f->r.plan->actions->len; i++)
    {
      const LbRestoreAction *a = f->r.plan->actions->pdata[i];
      if (g_strcmp0 (a->phone_path, phone_path) == 0)
        return a;
    }
  g_error ("no action for %s", phone_path);
  return NULL;
}

static const LbRestoreStorage *
storage_plan (Fixture *f, guint i)
{
  g_assert_cmpuint (i, <, f->r.plan->storages->len);
  return f->r.plan->storages->pdata[i];
}

/* A typical snapshot: a folder with a photo, a document at the top. */
static void
typical (Fixture *f)
{
  entry (f, 1, 0, "Internal shared storage", "DCIM", TRUE, 0, 0, NULL);
  entry (f, 2, 1, "Internal shared storage", "a.jpg", FALSE, 1000, 1700000000, "aaaa");
  entry (f, 3, 0, "Internal shared storage", "notes.txt", FALSE, 20, 1700000100, "bbbb");
}

static void
test_empty_phone (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  const LbRestoreStorage *sp;

  (void) data;
  typical (f);
  g_assert_true (plan (f, &error));
  g_assert_no_error (error);
  g_assert_false (f->r.plan->migration);
  g_assert_true (f->r.plan->fits);
  g_assert_cmpuint (f->r.plan->actions->len, ==, 3);
  g_assert_cmpint (action (f, "/Internal shared storage/DCIM")->kind, ==, LB_RESTORE_SEND);
  g_assert_cmpint (action (f, "/Internal shared storage/DCIM/a.jpg")->kind, ==, LB_RESTORE_SEND);
  g_assert_cmpstr (action (f, "/Internal shared storage/DCIM/a.jpg")->target_path, ==,
                   "/Internal shared storage/DCIM/a.jpg");
  g_assert_cmpint (action (f, "/Internal shared storage/notes.txt")->kind, ==, LB_RESTORE_SEND);
  sp = storage_plan (f, 0);
  g_assert_cmpstr (sp->target, ==, "Internal shared storage");
  g_assert_cmpuint (sp->files, ==, 2);
  g_assert_cmpuint (sp->bytes, ==, 1020);
  g_assert_cmpuint (sp->folders, ==, 1);
  g_assert_true (sp->fits);
}

static void
test_already_there (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  const LbRestoreAction *a;

  (void) data;
  typical (f);
  on_phone (f, INTERNAL, "", "DCIM", 10, 0, 0, TRUE);
  on_phone (f, INTERNAL, "DCIM", "a.jpg", 11, 1000, 1700000000, FALSE);     /* the same */
  on_phone (f, INTERNAL, "", "notes.txt", 12, 25, 1700000500, FALSE);       /* edited since */
  on_phone (f, INTERNAL, "", "new.txt", 13, 5, 1700000900, FALSE);          /* not in the snapshot */
  g_assert_true (plan (f, &error));
  g_assert_cmpuint (f->r.plan->actions->len, ==, 2);
  g_assert_cmpint (action (f, "/Internal shared storage/DCIM/a.jpg")->kind, ==, LB_RESTORE_IDENTICAL);
  /* The phone's edit is kept; the snapshot's copy goes beside it. */
  a = action (f, "/Internal shared storage/notes.txt");
  g_assert_cmpint (a->kind, ==, LB_RESTORE_CONFLICT);
  g_assert_cmpstr (a->target_path, ==, "/Internal shared storage/notes (restored 2026-01-01).txt");
  g_assert_cmpuint (storage_plan (f, 0)->files, ==, 1);
  g_assert_cmpuint (storage_plan (f, 0)->identical, ==, 1);
  g_assert_cmpuint (storage_plan (f, 0)->folders, ==, 0);
}

static void
test_mirror (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  (void) data;
  f->options.mirror = TRUE;
  typical (f);
  on_phone (f, INTERNAL, "", "DCIM", 10, 0, 0, TRUE);
  on_phone (f, INTERNAL, "DCIM", "a.jpg", 11, 1000, 1700000000, FALSE);
  on_phone (f, INTERNAL, "DCIM", "later.jpg", 14, 700, 1700000800, FALSE);
  on_phone (f, INTERNAL, "", "notes.txt", 12, 25, 1700000500, FALSE);
  g_assert_true (plan (f, &error));
  g_assert_cmpint (action (f, "/Internal shared storage/notes.txt")->kind, ==, LB_RESTORE_REPLACE);
  g_assert_cmpint (action (f, "/Internal shared storage/DCIM/later.jpg")->kind, ==, LB_RESTORE_REMOVE);
  g_assert_cmpuint (f->r.plan->actions->len, ==, 3);
}

static void
test_journal (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  const LbRestoreAction *a;

  (void) data;
  typical (f);
  entry (f, 4, 1, "Internal shared storage", "b.jpg", FALSE, 3000, 1700000200, "cccc");
  /* An earlier restore sent a.jpg, and the phone dated it when it came. */
  on_phone (f, INTERNAL, "", "DCIM", 10, 0, 0, TRUE);
  on_phone (f, INTERNAL, "DCIM", "a.jpg", 11, 1000, 1767300000, FALSE);
  g_hash_table_insert (f->journal, journal_key ("Internal shared storage", "DCIM/a.jpg", 1000, 1767300000),
                       g_strdup ("aaaa"));
  /* ... and b.jpg, which the phone named otherwise. */
  on_phone (f, INTERNAL, "DCIM", "b(1).jpg", 15, 3000, 1767300001, FALSE);
  g_hash_table_insert (f->journal, journal_key ("Internal shared storage", "DCIM/b(1).jpg", 3000, 1767300001),
                       g_strdup ("cccc"));
  /* notes.txt, cut short by an unplug: the journal says it was on its way. */
  on_phone (f, INTERNAL, "", "notes.txt", 12, 20, 1767300002, FALSE);
  g_hash_table_insert (f->journal, journal_key ("Internal shared storage", "notes.txt", 20, LB_RESTORE_IN_FLIGHT),
                       g_strdup ("bbbb"));
  g_assert_true (plan (f, &error));
  g_assert_cmpint (action (f, "/Internal shared storage/DCIM/a.jpg")->kind, ==, LB_RESTORE_IDENTICAL);
  a = action (f, "/Internal shared storage/DCIM/b.jpg");
  g_assert_cmpint (a->kind, ==, LB_RESTORE_IDENTICAL);
  g_assert_cmpstr (a->target_path, ==, "/Internal shared storage/DCIM/b(1).jpg");
  a = action (f, "/Internal shared storage/notes.txt");
  g_assert_cmpint (a->kind, ==, LB_RESTORE_REPLACE);
  g_assert_cmpstr (a->reason, ==, "a copy an earlier restore did not finish");
}

static void
test_no_journal (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  (void) data;
  typical (f);
  /* The same size, dated by the phone, and the journal knows nothing of
   * it: a different file, kept; ours goes beside it. */
  on_phone (f, INTERNAL, "", "DCIM", 10, 0, 0, TRUE);
  on_phone (f, INTERNAL, "DCIM", "a.jpg", 11, 1000, 1767300000, FALSE);
  g_assert_true (plan (f, &error));
  g_assert_cmpint (action (f, "/Internal shared storage/DCIM/a.jpg")->kind, ==, LB_RESTORE_CONFLICT);
}

static void
test_card_names (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  (void) data;
  g_ptr_array_set_size (f->sources, 0);
  g_ptr_array_add (f->sources, storage (CARD, "SD card", LB_STORAGE_REMOVABLE, 0));
  g_ptr_array_add (f->info->storages, storage (CARD, "SD card", LB_STORAGE_REMOVABLE, 8ull << 30));
  entry (f, 1, 0, "SD card", "a:b.txt", FALSE, 10, 1700000000, "aaaa");
  entry (f, 2, 0, "SD card", " padded.txt ", FALSE, 10, 1700000000, "bbbb");
  entry (f, 3, 0, "SD card", "film.mkv", FALSE, 5ull << 30, 1700000000, "cccc");
  g_assert_true (plan (f, &error));
  g_assert_cmpint (action (f, "/SD card/a:b.txt")->kind, ==, LB_RESTORE_CANNOT);
  g_assert_nonnull (strstr (action (f, "/SD card/a:b.txt")->reason, "--rename-invalid"));
  /* Android trims white space on removable storage (doSendObjectInfo). */
  g_assert_cmpint (action (f, "/SD card/ padded.txt ")->kind, ==, LB_RESTORE_SEND);
  g_assert_cmpstr (action (f, "/SD card/ padded.txt ")->target_path, ==, "/SD card/padded.txt");
  /* FAT32: nothing of 4 GiB or more. */
  g_assert_cmpint (action (f, "/SD card/film.mkv")->kind, ==, LB_RESTORE_CANNOT);
  g_assert_nonnull (strstr (action (f, "/SD card/film.mkv")->reason, "FAT32"));
}

static void
test_card_rename (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  (void) data;
  f->options.rename_invalid = TRUE;
  g_ptr_array_set_size (f->sources, 0);
  g_ptr_array_add (f->sources, storage (CARD, "SD card", LB_STORAGE_REMOVABLE, 0));
  g_ptr_array_add (f->info->storages, storage (CARD, "SD card", LB_STORAGE_REMOVABLE, 8ull << 30));
  entry (f, 1, 0, "SD card", "a:b.txt", FALSE, 10, 1700000000, "aaaa");
  /* Two names the card makes one: the second is numbered. */
  entry (f, 2, 0, "SD card", "x.txt", FALSE, 10, 1700000000, "bbbb");
  entry (f, 3, 0, "SD card", "x.txt ", FALSE, 10, 1700000000, "cccc");
  g_assert_true (plan (f, &error));
  g_assert_cmpint (action (f, "/SD card/a:b.txt")->kind, ==, LB_RESTORE_SEND);
  g_assert_cmpstr (action (f, "/SD card/a:b.txt")->target_path, ==, "/SD card/a_b.txt");
  g_assert_cmpstr (action (f, "/SD card/x.txt")->target_path, ==, "/SD card/x.txt");
  g_assert_cmpint (action (f, "/SD card/x.txt ")->kind, ==, LB_RESTORE_SEND);
  g_assert_cmpstr (action (f, "/SD card/x.txt ")->target_path, !=, "/SD card/x.txt");
}

static void
test_other_phone (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  (void) data;
  typical (f);
  g_free (f->info->serial);
  f->info->serial = g_strdup ("NEW-PHONE");
  g_assert_false (plan (f, &error));
  g_assert_error (error, LB_ERROR, LB_ERROR_BAD_INPUT);
  g_assert_nonnull (strstr (error->message, "--to-new-device"));
  g_assert_true (f->r.plan->migration);
  g_assert_false (f->r.plan->fits);
}

static void
test_to_new_phone (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  (void) data;
  f->options.to_new_device = TRUE;
  typical (f);
  g_free (f->info->serial);
  f->info->serial = g_strdup ("NEW-PHONE");
  g_assert_true (plan (f, &error));
  g_assert_true (f->r.plan->migration);
  g_assert_cmpstr (f->r.plan->target->serial, ==, "NEW-PHONE");
  g_assert_cmpuint (f->r.plan->actions->len, ==, 3);
}

static void
test_too_full (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;

  (void) data;
  typical (f);
  ((LbStorageInfo *) f->info->storages->pdata[0])->free = 500;
  g_assert_false (plan (f, &error));
  g_assert_error (error, LB_ERROR, LB_ERROR_STORAGE_FULL);
  g_assert_false (f->r.plan->fits);
  g_assert_false (storage_plan (f, 0)->fits);
  g_assert_cmpuint (f->r.plan->problems->len, ==, 1);
  g_assert_nonnull (strstr (f->r.plan->problems->pdata[0], "--only"));
}

/* The snapshot has a card and internal storage; the new phone only
 * internal storage (most have no card slot). */
static void
card_onto_internal_only (Fixture *f)
{
  f->options.to_new_device = TRUE;
  g_ptr_array_add (f->sources, storage (CARD, "SD card", LB_STORAGE_REMOVABLE, 0));
  typical (f);
  entry (f, 5, 0, "SD card", "song.mp3", FALSE, 100, 1700000000, "dddd");
  /* DCIM on both: one folder on the phone.  a.jpg on both, the same
   * content: sent once.  notes.txt on both, different: the card's gets a
   * numbered name, the internal storage's keeps its own. */
  entry (f, 6, 0, "SD card", "DCIM", TRUE, 0, 0, NULL);
  entry (f, 7, 6, "SD card", "a.jpg", FALSE, 1000, 1700000000, "aaaa");
  entry (f, 8, 6, "SD card", "b.jpg", FALSE, 2000, 1700000000, "eeee");
  entry (f, 9, 0, "SD card", "notes.txt", FALSE, 30, 1700000000, "ffff");
}

static void
test_merge (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *note = NULL;
  const LbRestoreAction *a;
  const LbRestoreStorage *card;

  (void) data;
  card_onto_internal_only (f);
  g_assert_true (plan (f, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (f->r.plan->problems->len, ==, 0);
  card = storage_plan (f, 1);
  g_assert_cmpstr (card->target, ==, "Internal shared storage");
  g_assert_true (card->merged);
  g_assert_false (card->left_out);
  g_assert_cmpstr (action (f, "/SD card/song.mp3")->target_path, ==, "/Internal shared storage/song.mp3");
  g_assert_cmpint (action (f, "/SD card/song.mp3")->kind, ==, LB_RESTORE_SEND);
  /* No step creates the card's DCIM: the internal storage's is it. */
  g_assert_cmpint (action (f, "/Internal shared storage/DCIM")->kind, ==, LB_RESTORE_SEND);
  for (guint i = 0; i < f->r.plan->actions->len; i++)
    g_assert_cmpstr (((LbRestoreAction *) f->r.plan->actions->pdata[i])->phone_path, !=, "/SD card/DCIM");
  g_assert_cmpstr (action (f, "/SD card/DCIM/b.jpg")->target_path, ==, "/Internal shared storage/DCIM/b.jpg");
  g_assert_cmpint (action (f, "/SD card/DCIM/a.jpg")->kind, ==, LB_RESTORE_IDENTICAL);
  a = action (f, "/SD card/notes.txt");
  g_assert_cmpint (a->kind, ==, LB_RESTORE_SEND);
  g_assert_cmpstr (a->target_path, ==, "/Internal shared storage/notes (2).txt");
  g_assert_nonnull (strstr (a->reason, "/Internal shared storage/notes.txt"));
  g_assert_cmpstr (action (f, "/Internal shared storage/notes.txt")->target_path, ==, "/Internal shared storage/notes.txt");
  /* The host's own entries are planned first, the guest's after. */
  g_assert_true (f->r.plan->actions->pdata[0] == action (f, "/Internal shared storage/DCIM"));
  g_assert_cmpuint (card->files, ==, 3);
  g_assert_cmpuint (card->bytes, ==, 2130);
  note = lb_restore_storage_note (card, FALSE);
  g_assert_nonnull (strstr (note, "no storage of its own for “SD card”"));
  g_assert_nonnull (strstr (note, "3 files to send"));
  g_assert_nonnull (strstr (note, "--no-merge-storages"));
  g_assert_null (lb_restore_storage_note (storage_plan (f, 0), FALSE));
}

/* The merge's rerun: what the first run sent is on the phone, the card's
 * notes.txt among it as "notes (2).txt".  Nothing is sent again, and
 * nothing goes to a "notes (3).txt". */
static void
test_merge_rerun (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  const LbRestoreAction *a;

  (void) data;
  card_onto_internal_only (f);
  on_phone (f, INTERNAL, "", "DCIM", 10, 0, 0, TRUE);
  on_phone (f, INTERNAL, "DCIM", "a.jpg", 11, 1000, 1700000000, FALSE);
  on_phone (f, INTERNAL, "DCIM", "b.jpg", 12, 2000, 1700000000, FALSE);
  on_phone (f, INTERNAL, "", "notes.txt", 13, 20, 1700000100, FALSE);
  on_phone (f, INTERNAL, "", "song.mp3", 14, 100, 1700000000, FALSE);
  on_phone (f, INTERNAL, "", "notes (2).txt", 15, 30, 1700000000, FALSE);
  g_assert_true (plan (f, &error));
  g_assert_no_error (error);
  a = action (f, "/SD card/notes.txt");
  g_assert_cmpint (a->kind, ==, LB_RESTORE_IDENTICAL);
  g_assert_cmpstr (a->target_path, ==, "/Internal shared storage/notes (2).txt");
  for (guint i = 0; i < f->r.plan->actions->len; i++)
    g_assert_cmpint (((LbRestoreAction *) f->r.plan->actions->pdata[i])->kind, ==, LB_RESTORE_IDENTICAL);
  g_assert_cmpuint (storage_plan (f, 0)->files + storage_plan (f, 1)->files, ==, 0);
}

static void
test_no_merge (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *note = NULL;
  const LbRestoreStorage *card;

  (void) data;
  f->options.no_merge = TRUE;
  card_onto_internal_only (f);
  g_assert_true (plan (f, &error));
  g_assert_no_error (error);
  /* Declined: not a problem, not one line per file; the rest goes. */
  g_assert_cmpuint (f->r.plan->problems->len, ==, 0);
  card = storage_plan (f, 1);
  g_assert_null (card->target);
  g_assert_true (card->left_out);
  g_assert_false (card->merged);
  for (guint i = 0; i < f->r.plan->actions->len; i++)
    g_assert_false (g_str_has_prefix (((LbRestoreAction *) f->r.plan->actions->pdata[i])->phone_path, "/SD card"));
  g_assert_cmpint (action (f, "/Internal shared storage/DCIM/a.jpg")->kind, ==, LB_RESTORE_SEND);
  g_assert_cmpuint (card->files, ==, 4);
  g_assert_cmpuint (card->bytes, ==, 3130);
  note = lb_restore_storage_note (card, TRUE);
  g_assert_nonnull (strstr (note, "left out, as asked"));
}

/* Merged, the card's files would not fit beside the rest: the card is
 * left out, saying why, and the rest still goes. */
static void
test_merge_no_room (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *note = NULL;
  const LbRestoreStorage *card;

  (void) data;
  card_onto_internal_only (f);
  ((LbStorageInfo *) f->info->storages->pdata[0])->free = 2000;
  g_assert_true (plan (f, &error));
  g_assert_no_error (error);
  g_assert_true (f->r.plan->fits);
  card = storage_plan (f, 1);
  g_assert_true (card->left_out);
  g_assert_true (card->no_room);
  g_assert_null (card->target);
  for (guint i = 0; i < f->r.plan->actions->len; i++)
    g_assert_false (g_str_has_prefix (((LbRestoreAction *) f->r.plan->actions->pdata[i])->phone_path, "/SD card"));
  g_assert_cmpint (action (f, "/Internal shared storage/DCIM/a.jpg")->kind, ==, LB_RESTORE_SEND);
  note = lb_restore_storage_note (card, TRUE);
  g_assert_nonnull (strstr (note, "would not fit"));
}

/* Two storages mapped onto one by hand: the space check adds them up. */
static void
test_map_both_onto_one (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  const char *map[] = { "SD card=Internal shared storage", NULL };

  (void) data;
  f->options.map = map;
  card_onto_internal_only (f);
  /* 1,020 bytes of the internal storage's and 2,130 of the card's to send: 150 too many. */
  ((LbStorageInfo *) f->info->storages->pdata[0])->free = 3000;
  g_assert_false (plan (f, &error));
  g_assert_error (error, LB_ERROR, LB_ERROR_STORAGE_FULL);
  g_assert_false (storage_plan (f, 0)->fits);
  g_assert_false (storage_plan (f, 1)->fits);
  g_assert_false (storage_plan (f, 1)->merged);
  g_assert_cmpuint (f->r.plan->problems->len, ==, 1);
  g_assert_nonnull (strstr (f->r.plan->problems->pdata[0], "needs 150 bytes more"));
}

static void
test_map (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  const char *map[] = { "SD card=Internal shared storage", NULL };

  (void) data;
  f->options.to_new_device = TRUE;
  f->options.map = map;
  g_ptr_array_set_size (f->sources, 0);
  g_ptr_array_add (f->sources, storage (CARD, "SD card", LB_STORAGE_REMOVABLE, 0));
  entry (f, 5, 0, "SD card", "song.mp3", FALSE, 100, 1700000000, "dddd");
  g_assert_true (plan (f, &error));
  g_assert_cmpstr (action (f, "/SD card/song.mp3")->target_path, ==, "/Internal shared storage/song.mp3");
}

static void
test_map_unknown (Fixture *f, gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  const char *map[] = { "SD card=USB stick", NULL };

  (void) data;
  f->options.map = map;
  typical (f);
  g_assert_false (plan (f, &error));
  g_assert_error (error, LB_ERROR, LB_ERROR_NOT_FOUND);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* Dates in "(restored DATE)" names are local. */
  g_setenv ("TZ", "UTC", TRUE);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/restore-plan/empty-phone", test_empty_phone);
  ADD ("/restore-plan/already-there", test_already_there);
  ADD ("/restore-plan/mirror", test_mirror);
  ADD ("/restore-plan/journal", test_journal);
  ADD ("/restore-plan/no-journal", test_no_journal);
  ADD ("/restore-plan/card-names", test_card_names);
  ADD ("/restore-plan/card-rename", test_card_rename);
  ADD ("/restore-plan/other-phone", test_other_phone);
  ADD ("/restore-plan/to-new-phone", test_to_new_phone);
  ADD ("/restore-plan/too-full", test_too_full);
  ADD ("/restore-plan/merge", test_merge);
  ADD ("/restore-plan/merge-rerun", test_merge_rerun);
  ADD ("/restore-plan/no-merge", test_no_merge);
  ADD ("/restore-plan/merge-no-room", test_merge_no_room);
  ADD ("/restore-plan/map-both-onto-one", test_map_both_onto_one);
  ADD ("/restore-plan/map", test_map);
  ADD ("/restore-plan/map-unknown", test_map_unknown);
  return g_test_run ();
}
