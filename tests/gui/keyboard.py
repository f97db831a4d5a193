#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The whole flow with the keyboard alone, as someone who cannot use a
pointer goes through it: back up (Ctrl+B), look inside the snapshot
(Ctrl+O, Tab, arrows, Ctrl+Page Down, Ctrl+W), then restore it onto a new
phone (Ctrl+R, the dialog's mnemonics, Enter).  Every input is an xdotool
key press; the accessibility tree (AT-SPI) is only read, to know when
something happened.  Run by tests/gui/test-keyboard.sh inside a D-Bus
session, Xvfb and vphone-run with two phones; prints TAP."""
import filecmp
import os
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # nothing written into the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from atspi_tap import back_up_button, closed, finish, label_starting, new_window, ok, start_window, stop, wait_for  # noqa: E402

builddir = os.environ["top_builddir"]
work = os.environ["LB_E2E_WORK"]
ours = dict(os.environ, ASAN_OPTIONS=os.environ.get("LB_E2E_ASAN_OPTIONS", ""))


def keys(*names):
    for name in names:
        print("# key " + name, flush=True)
        subprocess.run(["xdotool", "key", "--clearmodifiers", name], check=False)
        time.sleep(0.15)


def focus_window(pid, title):
    """What the window manager does when a window closes: give the focus
    to the one left.  Xvfb runs none, and this is not input: no key, no
    pointer."""
    out = subprocess.run(["xdotool", "search", "--all", "--pid", str(pid), "--name", title],
                         capture_output=True, text=True)
    for wid in out.stdout.split():
        subprocess.run(["xdotool", "windowfocus", "--sync", wid], check=False, capture_output=True)
        return True
    return False


def ctl(*args):
    subprocess.run([os.path.join(builddir, "tests/vphone/vphone-ctl"), *args], check=False)


def focused(node):
    """The node of the window's tree that has the keyboard focus, or None."""
    import pyatspi
    for x in node.findChildren(lambda x: x.getState().contains(pyatspi.STATE_FOCUSED), showingOnly=True):
        return x
    return None


app_proc, app = start_window(builddir, ours)
try:
    if app is None:
        sys.exit(1)
    main = app.children[0]
    if back_up_button(app, "the old phone is listed and Back Up can be pressed") is None:
        sys.exit(1)
    ok(focus_window(app_proc.pid, "^Lifeboat$"), "the window has the keyboard focus")

    # 1. Back up.
    keys("ctrl+b")
    done = wait_for(lambda: label_starting(app, "Backup complete"), 120)
    ok(done is not None, "Ctrl+B backs the phone up")
    ok(wait_for(lambda: main.child(name="Backups of this phone", roleName="list box", retry=False)
                .findChildren(lambda x: x.roleName == "list item") or None, 10) is not None,
       "the snapshot shows under History")

    # 2. Look inside, move about, close.
    before = list(app.children)
    keys("ctrl+o")
    browser = new_window(app, before)
    ok(browser is not None, "Ctrl+O opens the snapshot browser")
    if browser is None:
        sys.exit(1)
    tree = wait_for(lambda: browser.child(name="Files of the backup", roleName="tree table", retry=False), 30)
    ok(tree is not None, "its file tree shows")
    # Tab until the file tree has the focus (a person hears each stop).
    for _ in range(12):
        f = focused(browser)
        if f is not None and f.roleName == "tree table" or (f is not None and f.parent is not None and
                                                            f.parent.roleName == "tree table"):
            break
        keys("Tab")
    f = focused(browser)
    ok(f is not None and (f.roleName == "tree table" or f.parent.roleName == "tree table"),
       "Tab reaches the file tree", lambda: "focus: %s" % (f and f.roleName))
    keys("Down", "Down", "shift+Right")
    selected = wait_for(lambda: tree.findChildren(
        lambda x: x.roleName in ("table cell", "tree item") and x.getState().contains(__import__("pyatspi").STATE_SELECTED))
        or None, 5)
    ok(selected is not None, "the arrows select a row of the tree")
    # Each tab has its letter (Alt+F, Alt+P, Alt+H, Alt+D, Alt+E).
    for key, prefix in (("alt+h", "Changes"), ("alt+p", "Photos"), ("alt+f", "Files")):
        keys(key)
        tab = wait_for(lambda: next((t for t in browser.findChildren(lambda x: x.roleName == "page tab")
                                     if t.selected and t.name.startswith(prefix)), None), 5)
        ok(tab is not None, "%s shows the tab %s" % (key.replace("alt", "Alt").upper().replace("ALT", "Alt"), prefix),
           lambda: "selected: " + "; ".join(t.name for t in browser.findChildren(lambda x: x.roleName == "page tab")
                                           if t.selected))
    keys("ctrl+w")
    ok(closed(app, browser) is not None, "Ctrl+W closes the browser")
    focus_window(app_proc.pid, "^Lifeboat$")

    # 3. The old phone is gone; a new one is connected.
    ctl("unplug", "KEYS-OLD")
    ctl("plug", "KEYS-NEW")
    ok(wait_for(lambda: main.child(name="New Phone", retry=False) if
                any("New Phone" in x.name for x in main.findChildren(lambda x: x.roleName == "label")) else None,
                30) is not None or
       wait_for(lambda: label_starting(main, "New Phone"), 5) is not None,
       "the new phone shows in the list")
    # The new phone, just plugged in, is the one shown; with no backup of
    # its own, its Restore… offers the newest backup of another phone.
    before = list(app.children)
    keys("ctrl+r")
    dialog = new_window(app, before)
    ok(dialog is not None, "Ctrl+R opens Restore")
    if dialog is not None:
        ok(dialog.name == "Restore Old Phone", "it restores the old phone's backup", dialog.name)
        combos = dialog.findChildren(lambda x: x.roleName == "combo box")
        ok(any(c.name.startswith("New Phone") for c in combos), "onto the new phone",
           lambda: "combo boxes: " + "; ".join(c.name for c in combos))
    if dialog is None:
        sys.exit(1)
    migration = wait_for(lambda: dialog.child(roleName="check box", name="This is a different phone: copy this backup onto it",
                                              retry=False), 60)
    ok(migration is not None, "the plan is ready, and it asks whether this is a different phone")
    restore = dialog.child(name="Restore", roleName="push button", retry=False)
    ok(not restore.sensitive, "Restore waits for that answer")
    keys("alt+d")
    ok(wait_for(lambda: migration.checked or None, 5) is not None, "Alt+D ticks it")
    ok(wait_for(lambda: restore.sensitive or None, 5) is not None, "then Restore can be pressed")
    keys("alt+r")
    report = wait_for(lambda: label_starting(dialog, "Restore done in"), 180)
    ok(report is not None, "Alt+R restores, and the report says it is done",
       lambda: "labels: " + "; ".join(x.name for x in dialog.findChildren(lambda x: x.roleName == "label")))
    keys("Escape")
    ok(closed(app, dialog) is not None, "Escape closes the dialog")

    # The new phone holds what the old one did.
    cmp = filecmp.dircmp(os.path.join(work, "phone", "Internal shared storage"),
                         os.path.join(work, "new", "Internal shared storage"))

    def same(c):
        return not (c.left_only or c.right_only or c.diff_files or c.funny_files) and \
            all(same(s) for s in c.subdirs.values())
    ok(same(cmp), "the new phone holds every file of the old one")
finally:
    stop(app_proc)
finish()
