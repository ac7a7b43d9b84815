#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A forger on sesamed's sockets, to check that every client refuses a
server that is not root (common/client.c: the peer of the socket must be
uid 0, whoever owns the socket file), and that pam_sesame refuses every
answer it cannot trust (--mode).

usage: fakesesamed.py --uid UID --log FILE [--lifetime S] [--mode MODE]
                      [--root-nss] [--passwd-field TEXT] SOCKET...

As root: bind each SOCKET (so the socket file is root's, mode 0666), then
drop to UID (and gid UID, no supplementary groups) BEFORE listen(), so
that SO_PEERCRED names UID to every client that connects.  --root-nss:
a SOCKET named nss.sock listens before the privileges are dropped, so
that lookups are answered by root while the other sockets are not.
Prints "ready" once it listens.  Each connection is served in a thread of
its own.

It forges a successful answer to every request: a passwd or group entry
with id 4242 for any name, gid 4242 for initgroups, the login name as the
canonical user for AUTH and ACCOUNT, and STATUS OK for the rest.  A
client that believes it lets anybody in.  The passwd entries' password
field is "x", or TEXT (--passwd-field; pam_unix's account phase passes
a user whose field is "*" and who has no shadow entry, and refuses one
whose field is "x").  --mode changes the answers on
every socket but nss.sock (whose lookups always get the forged entries,
so that the account a PAM stack is asked about exists):

  ok            the forged answer (default)
  internal      END with STATUS INTERNAL
  malformed     the forged answer with protocol version 2 in every frame
  wrong-opcode  a passwd entry (a frame no pam.sock request is answered
                with), then END OK
  extra-frames  one data frame more than the request may have (two
                ANS_USER to AUTH and ACCOUNT, one to the rest), then END OK
  half          the first half of the forged answer, then silence until
                the client closes
  silent        no answer; the connection stays open until the client
                closes it
  close         the connection is closed as soon as the request is read

The log (opened before the privileges are dropped) has one line per
connection: "SOCKET request 0xOPCODE" for a request that arrived, or
"SOCKET nothing" when the client closed without sending a byte.  No
secret is ever written there.  It exits on SIGTERM, or after --lifetime
seconds (default 120) so that it cannot outlive a test that forgets it.
"""
import os
import select
import signal
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rawclient as rc  # noqa: E402  (the protocol's encoder for tests)

FORGED_ID = 4242


def answer(opcode, fields, passwd_field="x"):
    """The forged answer frames for a request: bytes."""
    name = fields.get(rc.TAG["NAME"]) or fields.get(rc.TAG["LOGIN"]) or b"forged"
    u32 = rc.fu32
    s = rc.fstr
    end = rc.frame(rc.body(rc.ANS_END, [u32("STATUS", 0)]))
    if opcode in (0x0002, 0x0004, 0x0006):  # PASSWD_BYNAME, _BYUID, _ENUM
        entry = [s("NAME", name), s("PASSWD", passwd_field), u32("UID", FORGED_ID), u32("GID", FORGED_ID),
                 s("GECOS", "Forged"), s("HOME", "/forged"), s("SHELL", "/bin/sh")]
        return rc.frame(rc.body(0x0003, entry)) + end
    if opcode in (0x0008, 0x000A, 0x000C):  # GROUP_BYNAME, _BYGID, _ENUM
        entry = [s("NAME", name), s("PASSWD", "x"), u32("GID", FORGED_ID)]
        return rc.frame(rc.body(0x0005, entry)) + end
    if opcode == 0x000E:  # INITGROUPS
        return rc.frame(rc.body(0x0009, [u32("GID", FORGED_ID)])) + end
    if opcode in (0x0200, 0x0202):  # AUTH, ACCOUNT
        return rc.frame(rc.body(0x000B, [s("NAME", name)])) + end
    if opcode == 0x0110:  # USER_SHOW
        info = [s("NAME", name), u32("UID", FORGED_ID), u32("FLAGS", 1)]
        return rc.frame(rc.body(0x000D, info)) + end
    return end


MODES = ("ok", "internal", "malformed", "wrong-opcode", "extra-frames", "half", "silent", "close")


def frames_of(data):
    """The frames of an answer: [(opcode, body)]."""
    out, off = [], 0
    while off < len(data):
        (n,) = struct.unpack(">I", data[off:off + 4])
        b = data[off + 4:off + 4 + n]
        out.append((struct.unpack(">H", b[2:4])[0], b))
        off += 4 + n
    return out


def mangled(mode, opcode, fields):
    """The answer of MODE to a request: bytes, or None to send nothing."""
    forged = answer(opcode, fields)
    end = rc.frame(rc.body(rc.ANS_END, [rc.fu32("STATUS", 0)]))
    user = rc.frame(rc.body(0x000B, [rc.fstr("NAME", fields.get(rc.TAG["LOGIN"]) or b"forged")]))
    if mode == "ok":
        return forged
    if mode == "internal":
        return rc.frame(rc.body(rc.ANS_END, [rc.fu32("STATUS", 4)]))
    if mode == "malformed":
        return b"".join(rc.frame(struct.pack(">H", 2) + b[2:]) for _, b in frames_of(forged))
    if mode == "wrong-opcode":
        return answer(0x0002, fields)
    if mode == "extra-frames":
        return user * (2 if opcode in (0x0200, 0x0202) else 1) + end
    if mode == "half":
        return forged[:len(forged) // 2]
    return None


def serve(conn, name, mode, passwd_field, log, lock):
    with conn:
        req = read_request(conn)
        with lock:
            if req is None:
                log.write("%s nothing\n" % name)
                return
            log.write("%s request 0x%04x\n" % (name, req[0] & 0xFFFF))
        if mode == "close" and name != "nss.sock":
            return
        data = answer(*req, passwd_field) if name == "nss.sock" else mangled(mode, *req)
        try:
            if data:
                conn.sendall(data)
            if mode in ("half", "silent") and name != "nss.sock":
                # until the client gives up and closes
                conn.settimeout(None)
                while conn.recv(4096):
                    pass
        except OSError:
            pass


def read_request(conn):
    """(opcode, {tag: value}) of the one request, or None if nothing came."""
    conn.settimeout(5)
    data = b""
    try:
        while len(data) < 4 or len(data) < 4 + struct.unpack(">I", data[:4])[0]:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
    except (OSError, socket.timeout):
        pass
    if len(data) < 10:
        return None if not data else (-1, {})
    _, opcode, nf = struct.unpack(">HHH", data[4:10])
    fields, off = {}, 10
    for _ in range(nf):
        if off + 4 > len(data):
            break
        tag, ln = struct.unpack(">HH", data[off:off + 4])
        fields.setdefault(tag, data[off + 4:off + 4 + ln])
        off += 4 + ln
    return opcode, fields


def main():
    args, uid, log_path, lifetime = sys.argv[1:], None, None, 120.0
    paths, mode, root_nss, passwd_field = [], "ok", False, "x"
    while args:
        a = args.pop(0)
        if a == "--uid" and args:
            uid = int(args.pop(0))
        elif a == "--log" and args:
            log_path = args.pop(0)
        elif a == "--lifetime" and args:
            lifetime = float(args.pop(0))
        elif a == "--mode" and args:
            mode = args.pop(0)
        elif a == "--passwd-field" and args:
            passwd_field = args.pop(0)
        elif a == "--root-nss":
            root_nss = True
        else:
            paths.append(a)
    if uid is None or not log_path or not paths or mode not in MODES:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    log = open(log_path, "a", buffering=1)
    listeners = {}
    for p in paths:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(p)
        os.chmod(p, 0o666)
        listeners[s] = os.path.basename(p)
    # the peer credentials a client sees are those of listen()'s caller
    for s, name in listeners.items():
        if root_nss and name == "nss.sock":
            s.listen(16)
    if uid != 0:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    for s, name in listeners.items():
        if not (root_nss and name == "nss.sock"):
            s.listen(16)
    lock = threading.Lock()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print("ready", flush=True)
    end = time.monotonic() + lifetime
    while time.monotonic() < end:
        ready, _, _ = select.select(list(listeners), [], [], 0.5)
        for s in ready:
            conn, _ = s.accept()
            threading.Thread(target=serve, args=(conn, listeners[s], mode, passwd_field, log, lock),
                             daemon=True).start()
    return 0


if __name__ == "__main__":
    sys.exit(main())
