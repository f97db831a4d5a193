#include "config.h"

#include "lb-config.h"
#include "lb-library.h"

GSettings *
lb_config_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  /* g_settings_new() aborts on a missing schema; the CLI runs fine without. */
  if (source == NULL || (schema = g_settings_schema_source_lookup (source, LB_APPLICATION_ID, TRUE)) == NULL ||
      !g_settings_schema_has_key (schema, "library-location"))
    return NULL;
  return g_settings_new (LB_APPLICATION_ID);
}

char *
lb_config_library_path (gboolean *may_create)
{
  const char *env = g_getenv ("LIFEBOAT_LIBRARY");
  g_autoptr(GSettings) settings = NULL;
  g_autofree char *saved = NULL;

  *may_create = FALSE;
  if (env != NULL && *env != '\0')
    return g_strdup (env);
  settings = lb_config_settings ();
  if (settings != NULL)
    saved = g_settings_get_string (settings, "library-location");
  if (saved != NULL && *saved != '\0')
    return g_steal_pointer (&saved);
  *may_create = TRUE;
  return lb_library_default_path ();
}
