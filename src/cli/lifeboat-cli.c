/* SPDX-License-Identifier: GPL-3.0-or-later */
/* lifeboat-cli: back up phones from the command line.  Each subcommand is
 * handled by lb_cli_<command>() in its own file; this one dispatches. */
#include "config.h"
#include "lb-cli.h"

#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib-unix.h>

typedef struct {
  const char *name;
  int (*run) (LbCli *cli, int argc, char **argv);
  const char *help;
} Command;

static const Command commands[] = {
  { "init", lb_cli_init, N_("start a new, empty library in a folder") },
  { "devices", lb_cli_devices, N_("connected phones: serial, model, storages, state") },
  { "backup", lb_cli_backup, N_("take a snapshot of a phone") },
  { "snapshots", lb_cli_snapshots, N_("list snapshots, newest first") },
  { "ls", lb_cli_ls, N_("browse a snapshot") },
  { "diff", lb_cli_diff, N_("what was added, removed and changed between two snapshots") },
  { "find", lb_cli_find, N_("find files by name (and date) across a phone's whole history") },
  { "deleted", lb_cli_deleted, N_("files deleted from the phone that earlier snapshots still hold") },
  { "extract", lb_cli_extract, N_("copy files of a snapshot into a folder") },
  { "restore", lb_cli_restore, N_("put a snapshot back onto a phone, or onto a new one") },
  { "verify", lb_cli_verify, N_("re-read every stored file and check the catalog") },
  { "move-library", lb_cli_move_library, N_("move the library to another folder or disk") },
  { "prune", lb_cli_prune, N_("remove old snapshots by keep rules (--keep-daily 7...)") },
  { "auto", lb_cli_auto, N_("show or set which phones are backed up automatically, how often") },
  { "watch", lb_cli_watch, N_("back up docked phones automatically until stopped") },
  { "offsite", lb_cli_offsite, N_("copies of the library off this PC (restic): init, push, list, restore, check") },
};

static void
print_help (FILE *out)
{
  fprintf (out, "%s", _("Usage: lifeboat-cli COMMAND [OPTIONS...]\n\n"
                        "Back up an Android phone (or any MTP device) over USB into a library of\n"
                        "snapshots, and get files back out of it.\n\nCommands:\n"));
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-13s %s\n", commands[i].name, _(commands[i].help));
  fprintf (out, "%s", _("\nOptions for every command:\n"
                        "  -L, --library DIR   the library (default: $LIFEBOAT_LIBRARY, the window's\n"
                        "                      choice, or ~/.local/share/lifeboat)\n"
                        "  --json              machine-readable output\n"
                        "  -q, --quiet         print only errors\n"
                        "  -h, --help          help for a command: lifeboat-cli COMMAND --help\n"
                        "  --version           print the version and exit\n\n"
                        "Exit status: 0 on success, 1 on failure, 2 on a usage error.\n"));
}

/* Options that take a separate value, so their value is not mistaken for
 * the command when they come first. */
static gboolean
takes_value (const char *arg)
{
  static const char *const with_value[] = { "--library", "-L", "--device", "-d", "--to", "-t", "--only", "--map",
                                             "--keep-last", "--keep-hourly", "--keep-daily", "--keep-weekly",
                                             "--keep-monthly", "--keep-yearly", "--every", "-e",
                                             "--repo", "-r", "--password-file", "--password-command", "--at",
                                             "--read-data-subset", NULL };
  return g_strv_contains (with_value, arg);
}

static int real_stderr = -1;

static void
print_to_real_stderr (const char *text)
{
  gsize n = strlen (text);

  while (n > 0)
    {
      ssize_t w = write (real_stderr, text, n);
      if (w <= 0)
        break;
      text += w;
      n -= w;
    }
}

/* The core's warnings (a library folder made private, the USB bus that
 * cannot be watched) are said as the command's own messages are: through
 * g_printerr, which reaches the terminal while libmtp's chatter is hidden
 * (GLib's default handler writes to the hidden stderr, with a PID and a
 * time stamp no one needs). */
static void
on_warning (const char *domain, GLogLevelFlags level, const char *message, gpointer data)
{
  (void) domain; (void) level; (void) data;
  g_printerr (_("lifeboat-cli: warning: %s\n"), message);
}

/* libmtp writes notices straight to stderr ("Device 0 (VID=...) is UNKNOWN
 * in libmtp", "Android device detected..."), with no way to turn them off.
 * On a terminal, where a person reads, they go to /dev/null and our own
 * messages keep the real stderr; LIFEBOAT_DEBUG=1 keeps everything.  When
 * stderr is a file or a pipe nothing changes, so logs stay complete. */
static void
hide_library_chatter (void)
{
  int devnull;

  if (!isatty (STDERR_FILENO) || g_getenv ("LIFEBOAT_DEBUG") != NULL)
    return;
  real_stderr = fcntl (STDERR_FILENO, F_DUPFD_CLOEXEC, 3);
  devnull = open ("/dev/null", O_WRONLY | O_CLOEXEC);
  if (real_stderr < 0 || devnull < 0 || dup2 (devnull, STDERR_FILENO) < 0)
    {
      if (devnull >= 0)
        close (devnull);
      return;
    }
  close (devnull);
  g_set_printerr_handler (print_to_real_stderr);
}

static gboolean
on_sigint (gpointer data)
{
  LbCli *cli = data;

  if (g_cancellable_is_cancelled (cli->cancellable))
    {
      /* A second Ctrl-C: the user means it. */
      signal (SIGINT, SIG_DFL);
      raise (SIGINT);
    }
  g_printerr ("\n%s\n", _("Stopping… (press Ctrl-C again to quit at once)"));
  g_cancellable_cancel (cli->cancellable);
  return G_SOURCE_CONTINUE;
}

/* systemd's stop, a logout: stop as on Ctrl-C, quietly. */
static gboolean
on_sigterm (gpointer data)
{
  LbCli *cli = data;

  g_cancellable_cancel (cli->cancellable);
  return G_SOURCE_CONTINUE;
}

int
main (int argc, char **argv)
{
  LbCli cli = { 0 };
  int cmd_at = 0, status;
  g_autofree char **args = NULL;
  const Command *cmd = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  for (int i = 1; i < argc; i++)
    {
      if (strcmp (argv[i], "--") == 0)
        break;
      if (argv[i][0] == '-')
        {
          if (takes_value (argv[i]))
            i++;
          continue;
        }
      cmd_at = i;
      break;
    }
  if (cmd_at == 0 && argc == 2 && strcmp (argv[1], "--version") == 0)
    {
      printf ("lifeboat-cli %s\n", PACKAGE_VERSION);
      return LB_EXIT_OK;
    }
  if (cmd_at == 0)
    {
      gboolean help = argc > 1 && (g_strv_contains ((const char *const *) argv + 1, "--help") ||
                                   g_strv_contains ((const char *const *) argv + 1, "-h"));
      print_help (help ? stdout : stderr);
      return help ? LB_EXIT_OK : LB_EXIT_USAGE;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (argv[cmd_at], commands[i].name) == 0)
      cmd = &commands[i];
  if (cmd == NULL)
    {
      g_printerr (_("lifeboat-cli: unknown command “%s”\n"), argv[cmd_at]);
      print_help (stderr);
      return LB_EXIT_USAGE;
    }

  /* The command's parser sees every option, before or after its name. */
  args = g_new0 (char *, argc + 1);
  args[0] = g_strdup_printf ("lifeboat-cli %s", cmd->name);
  for (int i = 1, j = 1; i < argc; i++)
    if (i != cmd_at)
      args[j++] = argv[i];
  cli.cancellable = g_cancellable_new ();
  cli.show_progress = isatty (STDERR_FILENO);
  hide_library_chatter ();
  g_log_set_handler (G_LOG_DOMAIN, G_LOG_LEVEL_WARNING, on_warning, NULL);
  g_unix_signal_add (SIGINT, on_sigint, &cli);
  g_unix_signal_add (SIGTERM, on_sigterm, &cli);
  status = cmd->run (&cli, argc - 1, args);
  g_free (args[0]);
  g_object_unref (cli.cancellable);
  g_free (cli.library);
  g_free (cli.device);
  return status;
}
