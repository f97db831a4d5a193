/* SPDX-License-Identifier: GPL-3.0-or-later */
/* What the window tests share (gui-util.h). */
#include "config.h"

#include <string.h>
#include <sys/wait.h>
#include <glib/gstdio.h>

#include "gui-util.h"
#include "test-device-util.h"
#include "lb-config.h"
#include "lb-library.h"

char *gui_phones_dir;
char *gui_builddir;

static void
run_or_die (const char *const *argv)
{
  g_autoptr(GError) error = NULL;

  if (!run_quietly (argv, &error))
    g_error ("%s: %s", argv[0], error->message);
}

int
gui_run_under_rig (int argc, char **argv)
{
  g_autofree char *srcdir = tree_dir ("top_srcdir");
  g_autofree char *make_phone = g_build_filename (srcdir, "tests", "vphone", "make-phone", NULL);
  g_autofree char *vphone_run = g_build_filename (gui_builddir, "tests", "vphone", "vphone-run", NULL);
  g_autofree char *schemas = g_build_filename (gui_builddir, "data", NULL);
  g_autofree char *self = g_file_read_link ("/proc/self/exe", NULL);
  g_autofree char *empty = NULL;
  g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  const char *presets[] = { "small", "typical" };
  const char *rm[] = { "rm", "-rf", NULL, NULL };
  int status;

  gui_phones_dir = g_dir_make_tmp ("lb-test-gui-XXXXXX", &error);
  if (gui_phones_dir == NULL)
    g_error ("%s", error->message);
  for (guint i = 0; i < G_N_ELEMENTS (presets); i++)
    {
      g_autofree char *dir = g_build_filename (gui_phones_dir, presets[i], NULL);
      const char *mp[] = { make_phone, dir, "--preset", presets[i], NULL };
      run_or_die (mp);
    }
  empty = g_build_filename (gui_phones_dir, "empty", "Internal shared storage", NULL);
  g_mkdir_with_parents (empty, 0755);
  {
    /* The small phone with a memory card: a camera folder on both. */
    const char *card[] = {
      "sh", "-ec",
      "cp -a \"$0/small\" \"$0/card\"; cd \"$0/card\"; mkdir -p \"SD card/DCIM/Camera\" .vphone;"
      "head -c 70000 /dev/urandom >\"SD card/DCIM/Camera/IMG_card.jpg\";"
      "printf '[SD card]\\nkind=removable\\n' >.vphone/storages.ini",
      gui_phones_dir, NULL };
    run_or_die (card);
  }

  g_ptr_array_add (args, g_strdup ("timeout"));
  g_ptr_array_add (args, g_strdup ("-k5"));
  g_ptr_array_add (args, g_strdup ("900"));
  g_ptr_array_add (args, g_strdup ("dbus-run-session"));
  g_ptr_array_add (args, g_strdup ("--"));
  g_ptr_array_add (args, g_strdup ("xvfb-run"));
  g_ptr_array_add (args, g_strdup ("-a"));
  g_ptr_array_add (args, g_strdup ("-s"));
  g_ptr_array_add (args, g_strdup ("-screen 0 1280x1024x24"));
  g_ptr_array_add (args, g_strdup (vphone_run));
#define PHONE(folder, options) \
  g_ptr_array_add (args, g_strdup ("--phone")); \
  g_ptr_array_add (args, g_strdup_printf ("%s/%s,%s", gui_phones_dir, folder, options))
  PHONE ("small", "serial=" PHONE_A);
  PHONE ("empty", "serial=" PHONE_EMPTY ",plugged=no");
  PHONE ("typical", "serial=" PHONE_TYPICAL ",plugged=no");
  PHONE ("small", "serial=" PHONE_LOCKED ",profile=android-locked,plugged=no");
  PHONE ("small", "serial=" PHONE_CHARGE ",profile=charge-only,plugged=no");
  PHONE ("small", "serial=" PHONE_BUSY ",busy,plugged=no");
  PHONE ("card", "serial=" PHONE_CARD ",plugged=no");
  PHONE ("small", "name=" PHONE_TWIN1 ",serial=" FAKE_SERIAL ",model=" TWIN1_MODEL ",plugged=no");
  PHONE ("typical", "name=" PHONE_TWIN2 ",serial=" FAKE_SERIAL ",model=" TWIN2_MODEL ",plugged=no");
#undef PHONE
  g_ptr_array_add (args, g_strdup ("--"));
  /* LB_TEST_DEBUGGER="gdb -batch -ex run -ex bt --args" to look at a crash. */
  if (g_getenv ("LB_TEST_DEBUGGER") != NULL)
    {
      g_auto(GStrv) words = g_strsplit (g_getenv ("LB_TEST_DEBUGGER"), " ", -1);
      for (guint i = 0; words[i] != NULL; i++)
        g_ptr_array_add (args, g_strdup (words[i]));
    }
  g_ptr_array_add (args, g_strdup (self));
  for (int i = 1; i < argc; i++)
    g_ptr_array_add (args, g_strdup (argv[i]));
  g_ptr_array_add (args, NULL);

  g_setenv ("LB_GUI_UNDER_RIG", "1", TRUE);
  g_setenv ("LB_GUI_PHONES", gui_phones_dir, TRUE);
  /* Settings in memory, the schema from the build tree: a test never
   * touches the real desktop's settings. */
  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  g_setenv ("GSETTINGS_SCHEMA_DIR", schemas, TRUE);
  g_setenv ("GDK_BACKEND", "x11", TRUE);
  /* The autostart entry installed for everyone: none in this rig (the
   * person's own copy, in XDG_CONFIG_HOME, decides). */
  g_setenv ("XDG_CONFIG_DIRS", gui_phones_dir, TRUE);
  /* Under AddressSanitizer: allocation stacks unwound without frame
   * pointers (GLib has none), so that a leak of a library's constructor
   * can be told from ours and suppressed by name (tests/lsan.supp); eight
   * frames keep the cost low enough for the responsiveness test. */
  if (g_getenv ("ASAN_OPTIONS") != NULL)
    {
      g_autofree char *asan = g_strdup_printf ("%s:fast_unwind_on_malloc=0:malloc_context_size=8", g_getenv ("ASAN_OPTIONS"));
      g_setenv ("ASAN_OPTIONS", asan, TRUE);
    }
  {
    const char *vars[] = { "HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME" };
    for (guint i = 0; i < G_N_ELEMENTS (vars); i++)
      {
        g_autofree char *d = g_build_filename (gui_phones_dir, "home", vars[i], NULL);
        g_mkdir_with_parents (d, 0700);
        g_setenv (vars[i], d, TRUE);
      }
  }
  g_unsetenv ("LIFEBOAT_LIBRARY");
  if (!g_spawn_sync (NULL, (char **) args->pdata, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_CHILD_INHERITS_STDIN,
                     NULL, NULL, NULL, NULL, &status, &error))
    g_error ("cannot run the GUI rig: %s", error->message);
  rm[2] = gui_phones_dir;
  run_or_die (rm);
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  return 128 + (WIFSIGNALED (status) ? WTERMSIG (status) : 0);
}

void
gui_plug_only (const char *const *serials)
{
  const char *all[] = { PHONE_A, PHONE_EMPTY, PHONE_TYPICAL, PHONE_LOCKED, PHONE_CHARGE, PHONE_BUSY, PHONE_CARD,
                        PHONE_TWIN1, PHONE_TWIN2 };
  g_autofree char *stats = ctl ("stats", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    {
      gboolean want = g_strv_contains (serials, all[i]);
      g_autofree char *named = g_strdup_printf ("{\"name\": \"%s\", ", all[i]);
      const char *at = strstr (stats, named);
      const char *end = at != NULL ? strchr (at, '}') : NULL;
      const char *plugged = at != NULL ? strstr (at, "\"plugged\": true") : NULL;
      gboolean is = plugged != NULL && end != NULL && plugged < end;

      if (want && !is)
        g_free (ctl ("plug", all[i], NULL));
      else if (!want && is)
        g_free (ctl ("unplug", all[i], NULL));
    }
}

/* ---- the application ------------------------------------------------------- */

typedef struct {
  GuiBody body;
  gpointer data;
  LbApplication *app;
} AppRun;

static gboolean
run_body (gpointer user_data)
{
  AppRun *run = user_data;
  LbWindow *window = LB_WINDOW (gtk_application_get_active_window (GTK_APPLICATION (run->app)));

  g_assert_nonnull (window);
  run->body (run->app, window, run->data);
  gtk_widget_destroy (GTK_WIDGET (window));
  g_application_quit (G_APPLICATION (run->app));
  return G_SOURCE_REMOVE;
}

static void
on_activate (GApplication *app, AppRun *run)
{
  g_idle_add (run_body, run);
}

static void
run_app (GuiBody body, gpointer data, gboolean own_library)
{
  static guint runs;
  AppRun run = { body, data, lb_application_new () };
  g_autoptr(GSettings) settings = g_settings_new (LB_APPLICATION_ID);
  g_autofree char *configured = g_settings_get_string (settings, "library-location");

  /* A library of its own for each test, unless the test chose one. */
  if (own_library && *configured == '\0')
    {
      g_autofree char *name = g_strdup_printf ("library-%u", ++runs);
      g_autofree char *dir = g_build_filename (gui_phones_dir, name, NULL);

      g_mkdir_with_parents (dir, 0700);
      g_settings_set_string (settings, "library-location", dir);
    }

  /* Each test starts its own instance in this process. */
  g_application_set_flags (G_APPLICATION (run.app), G_APPLICATION_NON_UNIQUE);
  g_signal_connect_after (run.app, "activate", G_CALLBACK (on_activate), &run);
  g_assert_cmpint (g_application_run (G_APPLICATION (run.app), 0, NULL), ==, 0);
  g_object_unref (run.app);
  g_settings_reset (settings, "library-location");
}

void
gui_run_app (GuiBody body, gpointer data)
{
  run_app (body, data, TRUE);
}

void
gui_run_app_first_time (GuiBody body, gpointer data)
{
  g_autoptr(GSettings) settings = g_settings_new (LB_APPLICATION_ID);

  g_settings_reset (settings, "library-location");
  run_app (body, data, FALSE);
}

static gboolean
wake (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

void
gui_wait (GuiCond cond, gpointer data, double seconds, const char *what)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);
  guint tick = g_timeout_add (20, wake, NULL);

  while (!cond (data))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("waited %.1f s for %s", seconds, what);
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (tick);
}

static gboolean
never (gpointer data)
{
  return g_get_monotonic_time () > *(gint64 *) data;
}

void
gui_spin (double seconds)
{
  gint64 until = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  gui_wait (never, &until, seconds + 5, "time to pass");
}

/* ---- widgets ------------------------------------------------------------------ */

typedef struct {
  const char *id;
  GtkWidget *found;
} Search;

static void
search_in (GtkWidget *widget, gpointer user_data)
{
  Search *search = user_data;
  const char *name;

  if (search->found != NULL)
    return;
  name = gtk_buildable_get_name (GTK_BUILDABLE (widget));
  if (g_strcmp0 (name, search->id) == 0)
    {
      search->found = widget;
      return;
    }
  if (GTK_IS_CONTAINER (widget))
    gtk_container_forall (GTK_CONTAINER (widget), search_in, search);
}

GtkWidget *
gui_find (GtkWidget *root, const char *id)
{
  Search search = { id, NULL };

  search_in (root, &search);
  return search.found;
}

GtkWidget *
gui_find_toplevel (GType type)
{
  g_autoptr(GList) toplevels = gtk_window_list_toplevels ();

  for (GList *l = toplevels; l != NULL; l = l->next)
    if (G_TYPE_CHECK_INSTANCE_TYPE (l->data, type) && gtk_widget_get_visible (l->data))
      return l->data;
  return NULL;
}

const char *
gui_label (GtkWidget *root, const char *id)
{
  GtkWidget *w = gui_find (root, id);

  g_assert_nonnull (w);
  if (GTK_IS_LABEL (w))
    return gtk_label_get_text (GTK_LABEL (w));
  if (GTK_IS_BUTTON (w))
    return gtk_button_get_label (GTK_BUTTON (w));
  g_error ("%s is a %s, not a label", id, G_OBJECT_TYPE_NAME (w));
}

gboolean
gui_visible (GtkWidget *root, const char *id)
{
  GtkWidget *w = gui_find (root, id);

  g_assert_nonnull (w);
  return gtk_widget_is_visible (w);
}

void
gui_click (GtkWidget *root, const char *id)
{
  GtkWidget *w = gui_find (root, id);

  g_assert_nonnull (w);
  g_assert_true (gtk_widget_is_visible (w));
  g_assert_true (gtk_widget_is_sensitive (w));
  gtk_button_clicked (GTK_BUTTON (w));
}

void
gui_screenshot (GtkWidget *window, const char *name)
{
  g_autofree char *dir = g_build_filename (gui_builddir, "tests", "gui", "screenshots", NULL);
  g_autofree char *file = g_strdup_printf ("%s/%s.png", dir, name);
  g_autoptr(GdkPixbuf) pixbuf = NULL;
  g_autoptr(GError) error = NULL;
  GdkWindow *w;

  /* Let layout and drawing catch up with the last change. */
  gui_spin (0.3);
  gdk_display_sync (gtk_widget_get_display (window));
  w = gtk_widget_get_window (window);
  g_assert_nonnull (w);
  pixbuf = gdk_pixbuf_get_from_window (w, 0, 0, gdk_window_get_width (w), gdk_window_get_height (w));
  g_assert_nonnull (pixbuf);
  g_mkdir_with_parents (dir, 0755);
  g_assert_true (gdk_pixbuf_save (pixbuf, file, "png", &error, NULL));
  g_test_message ("screenshot: %s", file);
}

/* ---- off the main thread --------------------------------------------------------- */

typedef struct {
  GThreadFunc func;
  gpointer data;
  gpointer result;
  gint done;
} OffMain;

static gpointer
off_main_thread (gpointer user_data)
{
  OffMain *job = user_data;

  job->result = job->func (job->data);
  g_atomic_int_set (&job->done, 1);
  g_main_context_wakeup (NULL);
  return NULL;
}

static gboolean
off_main_done (gpointer data)
{
  return g_atomic_int_get (&((OffMain *) data)->done);
}

gpointer
gui_off_main (GThreadFunc func, gpointer data)
{
  OffMain job = { func, data, NULL, 0 };
  GThread *thread = g_thread_new ("test-off-main", off_main_thread, &job);

  gui_wait (off_main_done, &job, 60, "a worker thread");
  g_thread_join (thread);
  return job.result;
}

LbLibrary *
gui_open_library (LbLibraryMode mode)
{
  gboolean may_create;
  g_autofree char *path = lb_config_library_path (&may_create);
  g_autoptr(GError) error = NULL;
  LbLibrary *library = lb_library_open (path, mode == LB_LIBRARY_WRITE, mode, &error);

  g_assert_no_error (error);
  return library;
}

static gpointer
list_snapshots (gpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LbLibrary) library = gui_open_library (LB_LIBRARY_READ);
  GPtrArray *list;

  list = lb_library_list_snapshots (library, data, &error);
  g_assert_no_error (error);
  return list;
}

GPtrArray *
gui_snapshots (const char *serial)
{
  return gui_off_main (list_snapshots, (gpointer) serial);
}

void
gui_press_key (GtkWidget *window, guint keyval, GdkModifierType mods)
{
  GdkEvent *event = gdk_event_new (GDK_KEY_PRESS);
  g_autofree GdkKeymapKey *keys = NULL;
  gint n = 0;

  g_assert_true (gtk_widget_get_realized (window));
  event->key.window = g_object_ref (gtk_widget_get_window (window));
  event->key.send_event = TRUE;
  event->key.time = GDK_CURRENT_TIME;
  event->key.state = mods;
  event->key.keyval = keyval;
  if (gdk_keymap_get_entries_for_keyval (gdk_keymap_get_for_display (gtk_widget_get_display (window)),
                                         keyval, &keys, &n) && n > 0)
    event->key.hardware_keycode = keys[0].keycode;
  gdk_event_set_device (event, gdk_seat_get_keyboard (gdk_display_get_default_seat (gtk_widget_get_display (window))));
  /* Only the press: what a press does (closing the window) may leave no
   * window for a release. */
  gtk_main_do_event (event);
  gdk_event_free (event);
}
