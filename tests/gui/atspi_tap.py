# SPDX-License-Identifier: GPL-3.0-or-later
"""What the scripts that drive the real window through the accessibility
tree (AT-SPI, with dogtail) share: TAP output, waiting for a node while the
tree changes, windows opening and closing, and stopping the window.
Imported by tests/gui/e2e.py, a11y.py, keyboard.py and tests/dist/window-de.py."""
import os
import subprocess
import sys
import time

from dogtail.config import config
config.searchShowingOnly = True
config.defaultDelay = 0.2
config.searchCutoffCount = 40
config.logDebugToFile = False

_n = 0
_failed = False


def ok(cond, what, detail=""):
    """detail may be a function: called only on failure, since reading the
    tree can itself fail while the window changes it."""
    global _n, _failed
    _n += 1
    print(("ok %d - %s" if cond else "not ok %d - %s") % (_n, what), flush=True)
    if not cond:
        _failed = True
        if callable(detail):
            try:
                detail = detail()
            except Exception as e:  # a node went away while we listed them
                detail = "(the tree changed while it was listed: %s)" % e
        for line in str(detail).splitlines():
            print("#   " + line, flush=True)
    return cond


def wait_for(find, seconds):
    """find()'s first node that is not None within seconds, else None."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            node = find()
            if node is not None:
                return node
        except Exception:  # the tree changes under our feet while the window updates
            pass
        time.sleep(0.25)
    return None


def start_window(builddir, env):
    """Starts the window; its process, and its application node in the
    accessibility tree once it shows there (None after 30 s: checked, as
    the script's first TAP line)."""
    from dogtail import tree
    proc = subprocess.Popen([os.path.join(builddir, "src/gui/lifeboat")], env=env)
    app = wait_for(lambda: tree.root.application("lifeboat"), 30)
    ok(app is not None, "the window appears in the accessibility tree")
    return proc, app


def new_window(app, before, seconds=20):
    """A frame or dialog of app that was not among before (a list of its
    children), once it shows; None after seconds."""
    def find():
        for child in app.children:
            if child not in before and child.showing:
                return child
        return None
    return wait_for(find, seconds)


def back_up_button(app, what="the phone is listed and Back Up can be pressed"):
    """The Back Up button once it can be pressed (checked, as what), or None."""
    button = wait_for(lambda: app.child(name="Back Up", roleName="push button", retry=False), 30)
    ready = button is not None and wait_for(lambda: button.sensitive or None, 30) is not None
    ok(ready, what)
    return button if ready else None


def label_starting(node, prefix):
    """The first showing label under node whose text starts with prefix."""
    for x in node.findChildren(lambda x: x.roleName == "label", showingOnly=True):
        if x.name.startswith(prefix):
            return x
    return None


def closed(app, window, seconds=10):
    """True once window is no longer a showing child of app, else None."""
    return wait_for(lambda: None if window in list(app.children) and window.showing else True, seconds)


def stop(proc):
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()


def finish():
    """The plan, then the exit status: the number of checks is only known
    at the end (a check that cannot go on stops the script early)."""
    print("1..%d" % _n)
    sys.exit(1 if _failed else 0)
