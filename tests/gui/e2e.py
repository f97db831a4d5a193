#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The real window, driven from outside as a person would: found and
clicked through the accessibility tree (AT-SPI, with dogtail), checked
with lifeboat-cli.  Run by tests/gui/test-e2e.sh inside a D-Bus session,
Xvfb and vphone-run; prints TAP."""
import json
import os
import subprocess
import sys
import time

from dogtail.config import config
config.searchShowingOnly = True
config.defaultDelay = 0.2
config.searchCutoffCount = 40
config.logDebugToFile = False
from dogtail import tree  # noqa: E402

builddir = os.environ["top_builddir"]
# Lifeboat's own programs run with the sanitizer options of the build.
ours = dict(os.environ, ASAN_OPTIONS=os.environ.get("LB_E2E_ASAN_OPTIONS", ""))
n = 0
failed = False


def ok(cond, what, detail=""):
    global n, failed
    n += 1
    print(("ok %d - %s" if cond else "not ok %d - %s") % (n, what), flush=True)
    if not cond:
        failed = True
        for line in str(detail).splitlines():
            print("#   " + line, flush=True)


def wait_for(find, seconds, what):
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


def label_starting(app, prefix):
    for node in app.findChildren(lambda x: x.roleName == "label", showingOnly=True):
        if node.name.startswith(prefix):
            return node
    return None


app_proc = subprocess.Popen([os.path.join(builddir, "src/gui/lifeboat")], env=ours)
try:
    app = wait_for(lambda: tree.root.application("lifeboat"), 30, "the application")
    ok(app is not None, "the window appears in the accessibility tree")
    if app is None:
        sys.exit(1)
    button = wait_for(lambda: app.child(name="Back Up", roleName="push button", retry=False)
                      if app.child(name="Back Up", roleName="push button", retry=False).sensitive else None,
                      30, "a phone to back up")
    ok(button is not None, "the phone is listed and Back Up can be pressed")
    if button is None:
        sys.exit(1)
    # A real pointer click at the button's place on the screen, through
    # XTest, where the accessibility tree says the button is.
    (x, y), (w, h) = button.position, button.size
    print("# clicking Back Up at (%d, %d)" % (x + w // 2, y + h // 2), flush=True)
    subprocess.run(["xdotool", "mousemove", "--sync", str(x + w // 2), str(y + h // 2), "click", "1"], check=False)
    result = wait_for(lambda: label_starting(app, "Backup complete"), 120, "the result")
    ok(result is not None, "the window says the backup is complete",
       "labels: " + "; ".join(x.name for x in app.findChildren(lambda x: x.roleName == "label")))
    if result is not None:
        print("# " + result.name, flush=True)

    out = subprocess.run([os.path.join(builddir, "src/cli/lifeboat-cli"), "snapshots", "--json"],
                         capture_output=True, text=True, env=ours)
    ok(out.returncode == 0, "lifeboat-cli snapshots --json reads the same library", out.stderr)
    try:
        listed = json.loads(out.stdout)
    except ValueError:
        listed = None
    snapshots = listed if isinstance(listed, list) else (listed or {}).get("snapshots", [])
    ok(len(snapshots) == 1 and snapshots[0].get("state") == "complete",
       "the library holds one complete snapshot", out.stdout)
finally:
    app_proc.terminate()
    try:
        app_proc.wait(10)
    except subprocess.TimeoutExpired:
        app_proc.kill()

print("1..%d" % n)
sys.exit(1 if failed else 0)
