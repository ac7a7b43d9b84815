#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A real SMTP server on loopback for the tests (Debian's python3-aiosmtpd),
writing each message it accepts to DIR/<n>.eml (the DATA as received, after
a first line "X-Sink-Rcpt: <recipients>").

usage: smtp-sink.py PORT DIR [--tls CERT KEY] [--auth USER PASSWORD_FILE]

--tls offers STARTTLS and requires it before MAIL; --auth requires AUTH
(PLAIN or LOGIN, after STARTTLS) with that user and password.  Runs until
SIGTERM; prints "ready" on standard output once it listens.
"""
import os
import signal
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult


class Sink:
    def __init__(self, outdir):
        self.outdir = outdir
        self.n = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.n += 1
            name = os.path.join(self.outdir, "%06d.eml" % self.n)
        data = envelope.original_content or envelope.content
        if isinstance(data, str):
            data = data.encode()
        with open(name + ".tmp", "wb") as f:
            f.write(b"X-Sink-Rcpt: " + ",".join(envelope.rcpt_tos).encode() + b"\r\n")
            f.write(data)
        os.rename(name + ".tmp", name)
        return "250 OK"


def main():
    args = sys.argv[1:]
    if len(args) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    port, outdir, rest = int(args[0]), args[1], args[2:]
    params = {}
    while rest:
        if rest[0] == "--tls" and len(rest) >= 3:
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(rest[1], rest[2])
            params.update(tls_context=ctx, require_starttls=True)
            rest = rest[3:]
        elif rest[0] == "--auth" and len(rest) >= 3:
            user = rest[1].encode()
            with open(rest[2], "rb") as f:
                password = f.read().rstrip(b"\n")

            def check(server, session, envelope, mechanism, auth_data, user=user, password=password):
                ok = getattr(auth_data, "login", None) == user and getattr(auth_data, "password", None) == password
                return AuthResult(success=ok)
            params.update(authenticator=check, auth_required=True)
            rest = rest[3:]
        else:
            print("unknown option: " + rest[0], file=sys.stderr)
            return 2
    os.makedirs(outdir, exist_ok=True)
    controller = Controller(Sink(outdir), hostname="127.0.0.1", port=port, **params)
    controller.start()
    print("ready", flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    signal.signal(signal.SIGINT, lambda *_: done.set())
    done.wait()
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
