#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""A notification server for tests: owns org.freedesktop.Notifications on
the session bus, as the desktop's would, and appends each notification it
is sent to a file as one JSON line {"id", "summary", "body", "actions",
"urgency"}.  Usage: notifyd.py LOGFILE (runs until killed)."""
import json
import sys

from gi.repository import Gio, GLib

XML = """
<node>
  <interface name="org.freedesktop.Notifications">
    <method name="Notify">
      <arg type="s" direction="in"/><arg type="u" direction="in"/><arg type="s" direction="in"/>
      <arg type="s" direction="in"/><arg type="s" direction="in"/><arg type="as" direction="in"/>
      <arg type="a{sv}" direction="in"/><arg type="i" direction="in"/><arg type="u" direction="out"/>
    </method>
    <method name="CloseNotification"><arg type="u" direction="in"/></method>
    <method name="GetCapabilities"><arg type="as" direction="out"/></method>
    <method name="GetServerInformation">
      <arg type="s" direction="out"/><arg type="s" direction="out"/>
      <arg type="s" direction="out"/><arg type="s" direction="out"/>
    </method>
    <signal name="NotificationClosed"><arg type="u"/><arg type="u"/></signal>
    <signal name="ActionInvoked"><arg type="u"/><arg type="s"/></signal>
  </interface>
</node>"""

log = open(sys.argv[1], "a")
counter = [0]


def call(conn, sender, path, iface, method, params, inv):
    if method == "Notify":
        app, replaces, icon, summary, body, actions, hints, timeout = params.unpack()
        counter[0] += 1
        nid = replaces or counter[0]
        log.write(json.dumps({"id": nid, "app": app, "summary": summary, "body": body, "actions": actions,
                              "urgency": int(hints.get("urgency", 1))}) + "\n")
        log.flush()
        inv.return_value(GLib.Variant("(u)", (nid,)))
    elif method == "GetCapabilities":
        inv.return_value(GLib.Variant("(as)", (["body", "actions", "body-markup"],)))
    elif method == "GetServerInformation":
        inv.return_value(GLib.Variant("(ssss)", ("notifyd.py", "lifeboat tests", "1", "1.2")))
    else:
        inv.return_value(None)


def on_bus(conn, name):
    info = Gio.DBusNodeInfo.new_for_xml(XML).interfaces[0]
    conn.register_object("/org/freedesktop/Notifications", info, call, None, None)


def on_name(conn, name):
    print("ready", flush=True)


Gio.bus_own_name(Gio.BusType.SESSION, "org.freedesktop.Notifications", Gio.BusNameOwnerFlags.NONE,
                 on_bus, on_name, lambda *a: sys.exit("lost the name"))
GLib.MainLoop().run()
