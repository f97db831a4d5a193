/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "config.h"

#include "lb-config.h"
#include "lb-error.h"
#include "lb-library.h"

#include <stdlib.h>
#include <glib/gi18n-lib.h>

GSettings *
lb_config_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  /* g_settings_new() aborts on a missing schema; the CLI runs fine without. */
  if (source == NULL || (schema = g_settings_schema_source_lookup (source, LB_APPLICATION_ID, TRUE)) == NULL ||
      !g_settings_schema_has_key (schema, LB_CONFIG_LIBRARY_KEY))
    return NULL;
  return g_settings_new (LB_APPLICATION_ID);
}

char *
lb_config_library_path (gboolean *may_create)
{
  const char *env = g_getenv ("LIFEBOAT_LIBRARY");
  g_autofree char *saved = NULL;

  *may_create = FALSE;
  if (env != NULL && *env != '\0')
    return g_strdup (env);
  saved = lb_config_saved_library ();
  if (saved != NULL && *saved != '\0')
    return g_steal_pointer (&saved);
  *may_create = TRUE;
  return lb_library_default_path ();
}

char *
lb_config_saved_library (void)
{
  g_autoptr(GSettings) settings = lb_config_settings ();

  return settings != NULL ? g_settings_get_string (settings, LB_CONFIG_LIBRARY_KEY) : NULL;
}

char *
lb_config_resolve (const char *path)
{
  char *real = realpath (path, NULL);
  char *copy = g_strdup (real ? real : path);

  free (real);
  return copy;
}

gboolean
lb_config_names_library (const char *dir)
{
  g_autofree char *saved = lb_config_saved_library ();
  g_autofree char *named = NULL;
  g_autofree char *where = NULL;

  if (saved == NULL)
    return FALSE;
  named = *saved ? g_strdup (saved) : lb_library_default_path ();
  where = lb_config_resolve (named);
  return g_strcmp0 (where, dir) == 0;
}

gboolean
lb_config_save_library (const char *path, GError **error)
{
  g_autoptr(GSettings) settings = lb_config_settings ();

  if (settings == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   _("The settings schema %s is not installed, so the new place cannot be saved"), LB_APPLICATION_ID);
      return FALSE;
    }
  if (!g_settings_set_string (settings, LB_CONFIG_LIBRARY_KEY, path))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED,
                   _("Could not save the new library location (the setting %s is locked)"), LB_CONFIG_LIBRARY_KEY);
      return FALSE;
    }
  g_settings_sync ();
  return TRUE;
}

/* A folder that holds nothing, or is not there. */
static gboolean
empty_or_missing (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);

  return d == NULL ? !g_file_test (dir, G_FILE_TEST_EXISTS) : g_dir_read_name (d) == NULL;
}

static gboolean
holds_library (const char *dir)
{
  g_autofree char *catalog = g_build_filename (dir, "catalog.db", NULL);

  return g_file_test (catalog, G_FILE_TEST_EXISTS);
}

char *
lb_config_start_library (const char *chosen, gboolean *created, GError **error)
{
  g_autofree char *dir = lb_config_resolve (chosen);
  g_autoptr(LbLibrary) library = NULL;

  *created = FALSE;
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, LB_ERROR, LB_ERROR_LIBRARY_MISSING,
                   _("%s is not a folder that can be opened. If it is on an external disk, connect and mount "
                     "the disk."), dir);
      return NULL;
    }
  if (!holds_library (dir) && !empty_or_missing (dir))
    {
      /* Not "Lifeboat" translated: the folder's name must not change with
       * the language of whoever starts the window next. */
      char *inside = g_build_filename (dir, "Lifeboat", NULL);

      g_free (dir);
      dir = inside;
    }
  *created = !holds_library (dir);
  /* A library found there is opened for reading: it is checked, not
   * changed.  create only makes the Lifeboat folder inside the chosen one;
   * a Lifeboat folder with other files in it is refused by the library. */
  library = lb_library_open (dir, !g_file_test (dir, G_FILE_TEST_EXISTS),
                             *created ? LB_LIBRARY_WRITE : LB_LIBRARY_READ, error);
  if (library == NULL)
    return NULL;
  g_clear_object (&library);
  if (!lb_config_save_library (dir, error))
    return NULL;
  return g_steal_pointer (&dir);
}
