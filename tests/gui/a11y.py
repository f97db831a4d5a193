#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every control a screen reader can reach has a name: the window after a
backup, and each window and dialog it opens (Preferences, Help, About,
Restore, the snapshot browser on each of its tabs), walked whole through
the accessibility tree (AT-SPI).  A control without a name is read out as
"button" and nothing else.  Run by tests/gui/test-a11y.sh inside a D-Bus
session, Xvfb and vphone-run; prints TAP."""
import os
import subprocess
import sys

sys.dont_write_bytecode = True  # nothing written into the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from atspi_tap import back_up_button, closed, finish, new_window, ok, start_window, stop, wait_for  # noqa: E402

builddir = os.environ["top_builddir"]
ours = dict(os.environ, ASAN_OPTIONS=os.environ.get("LB_E2E_ASAN_OPTIONS", ""))
APP_ID = "io.github.lifeboat.Lifeboat"
APP_PATH = "/io/github/lifeboat/Lifeboat"

# What a person operates: each of these needs a name to be told apart.
CONTROLS = {
    "push button", "toggle button", "check box", "radio button", "combo box", "text",
    "password text", "spin button", "slider", "menu item", "check menu item",
    "radio menu item", "link", "page tab", "switch", "entry", "toggle",
    "tree table", "table", "list box", "layered pane",
}


def nodes(node, depth=0):
    """Every showing node under node (node included).  A hidden one (the
    close button GTK keeps in every info bar) is out of a screen reader's
    reach, and so out of the walk."""
    if depth > 60:
        return
    try:
        showing = node.showing
        children = list(node.children) if showing else []
    except Exception:  # gone while we looked
        return
    if not showing:
        return
    yield node
    for child in children:
        yield from nodes(child, depth + 1)


def has_name(node):
    if node.name.strip():
        return True
    # Labelled by a label elsewhere (GtkLabel mnemonic-widget): a screen
    # reader reads that label.
    try:
        return any(r.getRelationType().value_nick == "labelled-by" for r in node.getRelationSet())
    except Exception:
        return False


def unnamed(top):
    out = []
    for n in nodes(top):
        try:
            # A link in a label (GtkLabel markup, the About dialog's licence
            # line) is read from the label's own text: GTK 3 names no such
            # link object.
            if n.roleName == "link" and n.parent is not None and n.parent.roleName == "label":
                continue
            if n.roleName in CONTROLS and not has_name(n):
                parent = n.parent
                out.append("%s (in %s “%s”)" % (n.roleName, parent.roleName if parent else "?",
                                                parent.name if parent else ""))
        except Exception:
            pass
    return out


def check(top, what):
    missing = unnamed(top)
    ok(not missing, "%s: every control has an accessible name" % what,
       lambda: "unnamed: " + "; ".join(missing))


def activate(action, path=APP_PATH, param="[]"):
    subprocess.run(["gdbus", "call", "--session", "--dest", APP_ID, "--object-path", path,
                    "--method", "org.gtk.Actions.Activate", action, param, "{}"],
                   check=False, capture_output=True)


def close(window):
    try:
        for button in window.findChildren(lambda x: x.roleName == "push button" and
                                          x.name in ("Close", "Cancel", "_Close", "_Cancel")):
            if button.showing and button.sensitive:
                button.doActionNamed("click")
                return
    except Exception:
        pass
    subprocess.run(["xdotool", "key", "Escape"], check=False)


app_proc, app = start_window(builddir, ours)
try:
    if app is None:
        sys.exit(1)
    main = app.children[0]
    back_up = back_up_button(app)
    if back_up is None:
        sys.exit(1)
    # No library yet: the first run's question shows, and is walked too.
    ok(wait_for(lambda: main.child(name="Choose Folder…", roleName="push button", retry=False), 10) is not None,
       "the first run asks where the library goes")
    check(main, "the main window on the first run")
    back_up.doActionNamed("click")
    done = wait_for(lambda: next((x for x in app.findChildren(lambda x: x.roleName == "label")
                                  if x.name.startswith("Backup complete")), None), 120)
    ok(done is not None, "the backup completes")
    # The walk sees only what shows: the lists it must name, showing.
    for name in ("Phones", "Backups of this phone"):
        ok(wait_for(lambda: main.child(name=name, roleName="list box", retry=False), 10) is not None,
           "the list “%s” shows" % name)
    check(main, "the main window after a backup")

    for action, path, what in (("preferences", APP_PATH, "Preferences"),
                               ("help", APP_PATH, "Help"),
                               ("about", APP_PATH, "About"),
                               ("restore", APP_PATH + "/window/1", "Restore"),
                               ("browse", APP_PATH + "/window/1", "the snapshot browser")):
        before = list(app.children)
        activate(action, path)
        window = new_window(app, before)
        ok(window is not None, "%s opens" % what)
        if window is None:
            continue
        if what == "the snapshot browser":
            ok(wait_for(lambda: window.child(name="Files of the backup", roleName="tree table", retry=False), 30)
               is not None, "the browser's file tree shows")
            tabs = [t for t in window.findChildren(lambda x: x.roleName == "page tab")]
            for tab in tabs:
                name = tab.name
                try:
                    tab.select()
                except Exception:
                    tab.doActionNamed("click") if tab.actions else None
                wait_for(lambda: tab.selected or None, 5)
                check(window, "the snapshot browser, tab “%s”" % name)
        else:
            check(window, what)
        close(window)
        closed(app, window)
finally:
    stop(app_proc)
finish()
