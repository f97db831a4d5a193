/* SPDX-License-Identifier: GPL-3.0-or-later */
/* The keep rules of automatic backups and their dry run (lb-keep-setting.h). */
#include "config.h"

#include <glib/gi18n.h>

#include "lb-auto.h"
#include "lb-keep-setting.h"
#include "lb-library.h"

void
lb_keep_setting_free (LbKeepSetting *setting)
{
  g_free (setting);
}

typedef struct {
  char *library;
  gboolean save;
  LbKeepRules rules;
} Job;

static void
job_free (Job *job)
{
  g_free (job->library);
  g_free (job);
}

static void
load_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Job *job = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(LbLibrary) library = NULL;
  g_autoptr(LbKeepSetting) setting = g_new0 (LbKeepSetting, 1);
  g_autoptr(GTimeZone) tz = g_time_zone_new_local ();

  (void) source;
  /* Reading mode, as `lifeboat-cli auto` uses: the setting is no part of
   * a snapshot, so it can change while a backup runs. */
  library = lb_library_open (job->library, FALSE, LB_LIBRARY_READ, &error);
  if (library == NULL || (job->save && !lb_auto_set_keep (library, &job->rules, &error)) ||
      !lb_auto_get_keep (library, &setting->rules, &setting->chosen, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (lb_keep_rules_any (&setting->rules))
    {
      g_autoptr(LbPruneReport) report = lb_prune (library, NULL, &setting->rules, tz, TRUE, cancellable, &error);
      if (report == NULL)
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
      setting->removed = report->removed->len;
      setting->freed_bytes = report->freed_bytes;
      setting->last_copies = report->last_copies->len;
      for (guint i = 0; i < report->last_copies->len; i++)
        setting->last_copy_bytes += ((LbLastCopy *) report->last_copies->pdata[i])->size;
    }
  g_task_return_pointer (task, g_steal_pointer (&setting), (GDestroyNotify) lb_keep_setting_free);
}

void
lb_keep_setting_load_async (const char *library, const LbKeepRules *save, GCancellable *cancellable,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr(GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  Job *job = g_new0 (Job, 1);

  job->library = g_strdup (library);
  job->save = save != NULL;
  if (save != NULL)
    job->rules = *save;
  g_task_set_source_tag (task, lb_keep_setting_load_async);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (task, load_thread);
}

LbKeepSetting *
lb_keep_setting_load_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

char *
lb_keep_rules_describe (const LbKeepRules *r)
{
  g_autoptr(GPtrArray) spans = g_ptr_array_new_with_free_func (g_free);
  GString *s;

  if (!lb_keep_rules_any (r))
    return NULL;
  if (r->hourly)
    g_ptr_array_add (spans, g_strdup_printf (ngettext ("%u hour", "%u hours", r->hourly), r->hourly));
  if (r->daily)
    g_ptr_array_add (spans, g_strdup_printf (ngettext ("%u day", "%u days", r->daily), r->daily));
  if (r->weekly)
    g_ptr_array_add (spans, g_strdup_printf (ngettext ("%u week", "%u weeks", r->weekly), r->weekly));
  if (r->monthly)
    g_ptr_array_add (spans, g_strdup_printf (ngettext ("%u month", "%u months", r->monthly), r->monthly));
  if (r->yearly)
    g_ptr_array_add (spans, g_strdup_printf (ngettext ("%u year", "%u years", r->yearly), r->yearly));
  s = g_string_new (NULL);
  if (r->last == 1)
    g_string_append (s, _("the newest snapshot"));
  else if (r->last > 1)
    /* TRANSLATORS: never used for 1 ("the newest snapshot"), but languages with several plurals need it */
    g_string_append_printf (s, ngettext ("the newest %u snapshot", "the newest %u snapshots", r->last), r->last);
  if (spans->len > 0)
    {
      GString *list = g_string_new (spans->pdata[0]);
      for (guint i = 1; i < spans->len; i++)
        /* TRANSLATORS: joining "30 days", "12 weeks"...: ", " between, " and " before the last */
        g_string_append_printf (list, i + 1 < spans->len ? _(", %s") : _(" and %s"), (char *) spans->pdata[i]);
      if (s->len > 0)
        {
          g_autofree char *newest = g_strdup (s->str);
          /* TRANSLATORS: %s is "the newest 10 snapshots", then "30 days, 12 weeks and 24 months" */
          g_string_printf (s, _("%s, and the newest of each of the last %s"), newest, list->str);
        }
      else
        g_string_printf (s, _("the newest snapshot of each of the last %s"), list->str);
      g_string_free (list, TRUE);
    }
  return g_string_free (s, FALSE);
}
