#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The window in German: starts PROGRAM (argv[1]) under LANGUAGE=de and
finds, through the accessibility tree, the German labels of a phone ready
to back up; saves a screenshot of the screen to argv[2].  Run by
tests/dist/deb-check.sh on the installed package inside a D-Bus session,
Xvfb and vphone-run; prints TAP."""
import os
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # nothing written into the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "gui"))
from atspi_tap import finish, ok, stop, wait_for  # noqa: E402
from dogtail import tree  # noqa: E402


def names(app, role):
    return [x.name for x in app.findChildren(lambda x: x.roleName == role, showingOnly=True)]


env = dict(os.environ, LANGUAGE="de", LANG="C.UTF-8")
env.pop("LC_ALL", None)
proc = subprocess.Popen([sys.argv[1]], env=env)
try:
    app = wait_for(lambda: tree.root.application("lifeboat"), 30)
    ok(app is not None, "the window appears in the accessibility tree")
    if app is None:
        sys.exit(1)
    button = wait_for(lambda: app.child(name="Sichern", roleName="push button", retry=False), 30)
    ok(button is not None, "the phone's button is labelled „Sichern“",
       lambda: "buttons: " + "; ".join(names(app, "push button")))
    english = [x for x in names(app, "push button") + names(app, "label")
               if x in ("Back Up", "Restore…", "History", "Look Inside…", "Never backed up")]
    ok(not english, "no English label is left on the phone's page", "; ".join(english))
    labels = names(app, "label")
    ok(any(x in ("Noch nie gesichert", "Verlauf") for x in labels),
       "the German labels „Noch nie gesichert“ or „Verlauf“ are shown", "labels: " + "; ".join(labels))
    time.sleep(1)
    import gi
    gi.require_version("Gdk", "3.0")
    from gi.repository import Gdk
    root = Gdk.get_default_root_window()
    shot = Gdk.pixbuf_get_from_window(root, 0, 0, root.get_width(), root.get_height())
    shot.savev(sys.argv[2], "png", [], [])
    ok(os.path.getsize(sys.argv[2]) > 10000, "a screenshot of the German window: " + sys.argv[2])
finally:
    stop(proc)
finish()
