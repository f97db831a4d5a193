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

sys.dont_write_bytecode = True  # nothing written into the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from atspi_tap import finish, label_starting, ok, start_window, stop, wait_for  # noqa: E402

builddir = os.environ["top_builddir"]
# Lifeboat's own programs run with the sanitizer options of the build.
ours = dict(os.environ, ASAN_OPTIONS=os.environ.get("LB_E2E_ASAN_OPTIONS", ""))


app_proc, app = start_window(builddir, ours)
try:
    if app is None:
        sys.exit(1)
    button = wait_for(lambda: app.child(name="Back Up", roleName="push button", retry=False)
                      if app.child(name="Back Up", roleName="push button", retry=False).sensitive else None,
                      30)
    ok(button is not None, "the phone is listed and Back Up can be pressed")
    if button is None:
        sys.exit(1)
    # A real pointer click at the button's place on the screen, through
    # XTest, where the accessibility tree says the button is.
    (x, y), (w, h) = button.position, button.size
    print("# clicking Back Up at (%d, %d)" % (x + w // 2, y + h // 2), flush=True)
    subprocess.run(["xdotool", "mousemove", "--sync", str(x + w // 2), str(y + h // 2), "click", "1"], check=False)
    result = wait_for(lambda: label_starting(app, "Backup complete"), 120)
    ok(result is not None, "the window says the backup is complete",
       lambda: "labels: " + "; ".join(x.name for x in app.findChildren(lambda x: x.roleName == "label")))
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
    stop(app_proc)
finish()
