#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Print mails the way their reader sees them: the headers that matter and
the text part, decoded (so that a link split by quoted-printable is whole
again).  The demo's terminal view of what smtp-sink.py received, and the
tests' (tests/lib/web.sh): the sink leaves each message in DIR/<n>.eml.

usage: mail-show.py FILE...
       mail-show.py --follow DIR PID
       mail-show.py --parts FILE
       mail-show.py --list DIR

--follow prints each message that lands in DIR from now on, as it lands,
and stops when the process PID (the demo) has gone, so that it never
outlives the demo that started it.

--parts prints a message for a test to look at: one "Header: value" line
each for the recipients (X-Sink-Rcpt) and the headers a reader or a
mail program looks at, decoded, its "Type:", then for each text part a
line "Part: <type>" and the part's content.

--list prints one line per message in DIR, in the order they arrived:
its file, recipients and subject, separated by tabs.
"""
import email
import email.policy
import os
import sys
import time

HEADERS = ("From", "To", "Subject", "Date")


def show(path):
    msg = read(path)
    print("----- mail for %s (%s) -----" % (msg["X-Sink-Rcpt"], path))
    for h in HEADERS:
        print("%s: %s" % (h, msg[h]))
    print()
    part = msg.get_body(preferencelist=("plain",))
    text = part.get_content() if part is not None else "(no text part)\n"
    print(text.replace("\r\n", "\n").rstrip("\n"))
    print("----- end of mail -----", flush=True)


PARTS_HEADERS = ("X-Sink-Rcpt", "From", "To", "Subject", "Date", "Message-ID", "MIME-Version")


def read(path):
    with open(path, "rb") as f:
        return email.message_from_binary_file(f, policy=email.policy.default)


def parts(path):
    msg = read(path)
    for h in PARTS_HEADERS:
        print("%s: %s" % (h, msg[h]))
    print("Type: " + msg.get_content_type())
    for part in msg.walk():
        if part.get_content_maintype() == "text":
            print("Part: " + part.get_content_type())
            print(part.get_content().replace("\r\n", "\n").rstrip("\n"))


def listing(outdir):
    names = sorted(n for n in os.listdir(outdir) if n.endswith(".eml")) if os.path.isdir(outdir) else []
    for name in names:
        path = os.path.join(outdir, name)
        msg = read(path)
        print("%s\t%s\t%s" % (path, msg["X-Sink-Rcpt"], msg["Subject"]))


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def follow(outdir, pid):
    def mails():
        try:
            return {n for n in os.listdir(outdir) if n.endswith(".eml")}
        except FileNotFoundError:
            return set()

    seen = mails()
    while alive(pid):
        # the sink renames a message into place whole: never half a mail
        for name in sorted(mails() - seen):
            seen.add(name)
            print()
            show(os.path.join(outdir, name))
        time.sleep(0.5)


def main():
    args = sys.argv[1:]
    if len(args) == 3 and args[0] == "--follow":
        follow(args[1], int(args[2]))
        return 0
    if len(args) == 2 and args[0] == "--parts":
        parts(args[1])
        return 0
    if len(args) == 2 and args[0] == "--list":
        listing(args[1])
        return 0
    if not args or args[0].startswith("-"):
        print(__doc__, file=sys.stderr)
        return 2
    for path in args:
        show(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
