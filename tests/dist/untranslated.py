#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Lists user-visible strings that escape gettext: string literals with
words in them, given to the calls that put text before a person (GError
messages, printf to the terminal, GTK labels), outside _(), N_(), C_()
and g_dngettext().  Log messages (g_debug, g_warning...) are for
developers and are not looked at.  Usage: untranslated.py FILE.c..."""
import re
import sys

CALLS = re.compile(r'\b(g_set_error|g_set_error_literal|g_prefix_error|g_printerr|g_print|printf|fprintf|'
                   r'gtk_label_set_text|gtk_label_set_markup|gtk_window_set_title|gtk_button_set_label|'
                   r'gtk_widget_set_tooltip_text)\s*\(')
TRANSLATED = re.compile(r'\b(_|N_|C_|NC_|g_dngettext|ngettext)\s*\(')
LITERAL = re.compile(r'"((?:[^"\\]|\\.)*)"')
# Words that are names, not language.
NAMES = {"lifeboat", "cli", "libmtp", "json", "sqlite", "mtp", "usb", "gvfs"}


def call_end(text, start):
    """Index after the parenthesis that closes the one before START."""
    depth, i = 1, start
    while depth:
        c = text[i]
        if c == '"':
            i += 1
            while text[i] != '"':
                i += 2 if text[i] == '\\' else 1
        elif c == "'":
            i += 1
            while text[i] != "'":
                i += 2 if text[i] == '\\' else 1
        elif c == '(':
            depth += 1
        elif c == ')':
            depth -= 1
        i += 1
    return i


def strip_translated(span):
    out, i = [], 0
    for m in TRANSLATED.finditer(span):
        if m.start() < i:
            continue
        out.append(span[i:m.start()])
        i = call_end(span, m.end())
    out.append(span[i:])
    return ''.join(out)


found = 0
for path in sys.argv[1:]:
    text = re.sub(r'/\*.*?\*/', lambda m: ' ' * len(m.group(0)), open(path).read(), flags=re.S)
    for m in CALLS.finditer(text):
        span = strip_translated(text[m.end():call_end(text, m.end())])
        for lit in LITERAL.findall(span):
            words = [w for w in re.findall(r'[A-Za-z]{3,}', re.sub(r'%[-0-9.*]*[a-zA-Z]+|\\[a-z0-9]+', ' ', lit))
                     if w.lower() not in NAMES]
            if words:
                line = text.count('\n', 0, m.start()) + 1
                print('%s:%d: %s (…"%s"…) is not translated' % (path, line, m.group(1), lit))
                found += 1
sys.exit(1 if found else 0)
