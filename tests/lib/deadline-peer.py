#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A stand-in for sesamed on one socket, to watch the deadline the clients
send and to answer as slowly as a test needs: written from
common/sesame-proto.h, independent of the project's codec.

usage: deadline-peer.py --socket PATH --log FILE [--plan ACTION,ACTION,...]

Listens on PATH (created mode 0666; the caller runs it as root, since the
clients check that the socket and its peer are root's).  Each connection
is served in its own thread: one request frame is read, a line
"OPCODE DEADLINE_MS" is appended to FILE (hex opcode, "-" when the
request has no DEADLINE_MS field; the file is flushed at once), and the
next ACTION of the plan, in the order requests arrive, decides the answer
(after the plan's last action: "ok"):

  ok[@MS]        END with STATUS OK, after MS milliseconds (default 0)
  notfound[@MS]  END with STATUS NOTFOUND
  hang           no answer; the connection stays open until the client
                 closes it

A request that does not parse ends the connection, logged as "bad".
Prints "ready" on stdout once it listens; runs until killed.
"""
import argparse
import os
import socket
import struct
import sys
import threading
import time

VERSION = 1
ANS_END = 0x0001
F_STATUS = 9
F_DEADLINE_MS = 33
ST_OK = 0
ST_NOTFOUND = 1


def recv_exact(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise EOFError
        data += chunk
    return data


def read_request(conn):
    """(opcode, deadline_ms or None) of one frame."""
    (length,) = struct.unpack(">I", recv_exact(conn, 4))
    if length < 6 or length > 16384:
        raise ValueError("bad length")
    body = recv_exact(conn, length)
    version, opcode, nfields = struct.unpack(">HHH", body[:6])
    if version != VERSION:
        raise ValueError("bad version")
    off, deadline = 6, None
    for _ in range(nfields):
        tag, flen = struct.unpack(">HH", body[off:off + 4])
        value = body[off + 4:off + 4 + flen]
        if len(value) != flen:
            raise ValueError("truncated")
        if tag == F_DEADLINE_MS:
            (deadline,) = struct.unpack(">I", value)
        off += 4 + flen
    return opcode, deadline


def end_frame(status):
    body = struct.pack(">HHH", VERSION, ANS_END, 1) + struct.pack(">HHI", F_STATUS, 4, status)
    return struct.pack(">I", len(body)) + body


class Server:
    def __init__(self, log, plan):
        self.log = log
        self.plan = plan
        self.lock = threading.Lock()

    def next_action(self, opcode, deadline):
        with self.lock:
            self.log.write("0x%04x %s\n" % (opcode, "-" if deadline is None else deadline))
            self.log.flush()
            return self.plan.pop(0) if self.plan else "ok"

    def serve(self, conn):
        with conn:
            try:
                opcode, deadline = read_request(conn)
            except (EOFError, ValueError, struct.error):
                with self.lock:
                    self.log.write("bad\n")
                    self.log.flush()
                return
            action = self.next_action(opcode, deadline)
            word, _, delay = action.partition("@")
            if word == "hang":
                # until the client gives up and closes
                while conn.recv(4096):
                    pass
                return
            if delay:
                time.sleep(int(delay) / 1000)
            status = {"ok": ST_OK, "notfound": ST_NOTFOUND}[word]
            try:
                conn.sendall(end_frame(status))
            except OSError:
                pass  # the client has gone: what the test may be about


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--socket", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--plan", default="")
    args = ap.parse_args()
    plan = [a for a in args.plan.split(",") if a]
    for a in plan:
        word = a.partition("@")[0]
        if word not in ("ok", "notfound", "hang"):
            ap.error("unknown action %r" % a)

    if os.path.lexists(args.socket):
        os.unlink(args.socket)
    lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lsock.bind(args.socket)
    os.chmod(args.socket, 0o666)
    lsock.listen(16)
    server = Server(open(args.log, "a"), plan)
    print("ready", flush=True)
    while True:
        conn, _ = lsock.accept()
        threading.Thread(target=server.serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
