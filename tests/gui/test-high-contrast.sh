#!/bin/bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The window in GTK's HighContrast theme (what GNOME's High Contrast setting
# switches to), in a process of its own: test-gui's /gui/high-contrast.
GTK_THEME=HighContrast exec "${top_builddir:-.}/tests/gui/test-gui" -p /gui/high-contrast
