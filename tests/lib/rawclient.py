#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Speak Sesame's wire protocol by hand (an independent encoder, written
from common/sesame-proto.h) to check how sesamed treats bad input.

usage: rawclient.py [--admin-on-nss] SOCKET
       rawclient.py --mail ADDRESS SOCKET   (prints the account's name)

Each malformed frame goes on its own connection; sesamed must close that
connection without an answer.  Afterwards a well-formed request must still
be answered.  Exit status 0 when all of that holds.
"""
import socket
import struct
import sys

VERSION = 1
REQ_PASSWD_BYNAME = 0x0002
REQ_PING = 0x0100
REQ_PASSWD_BYMAIL = 0x0102
ANS_END = 0x0001
ANS_PASSWD = 0x0003
F_NAME = 1
F_UID = 2
F_MAIL = 11


def field(tag, value):
    return struct.pack(">HH", tag, len(value)) + value


def body(opcode, fields, version=VERSION, nfields=None):
    n = len(fields) if nfields is None else nfields
    return struct.pack(">HHH", version, opcode, n) + b"".join(fields)


def frame(b):
    return struct.pack(">I", len(b)) + b


def exchange(path, data, shut=False):
    """Send data; return everything received until the peer closes."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5)
    s.connect(path)
    try:
        s.sendall(data)
        if shut:
            s.shutdown(socket.SHUT_WR)
    except (BrokenPipeError, ConnectionResetError):
        pass  # sesamed closed while we were still sending
    got = b""
    try:
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
            if not shut and got_end(got):
                break
    except socket.timeout:
        got += b"<timeout>"
    except ConnectionResetError:
        pass  # closed with our unread bytes still queued: no answer
    s.close()
    return got


def got_end(data):
    """True once a complete ANS_END frame has arrived."""
    off = 0
    while off + 4 <= len(data):
        (n,) = struct.unpack(">I", data[off:off + 4])
        if off + 4 + n > len(data):
            return False
        _, op, _ = struct.unpack(">HHH", data[off + 4:off + 10])
        if op == ANS_END:
            return True
        off += 4 + n
    return False


def lookup_mail(path, address):
    """Print the user name the directory has for @address; 1 if none."""
    got = exchange(path, frame(body(REQ_PASSWD_BYMAIL, [field(F_MAIL, address.encode())])))
    if not got_end(got) or struct.unpack(">H", got[6:8])[0] != ANS_PASSWD:
        return 1
    # first field of ANS_PASSWD is NAME: tag, len, value after the header
    _, n = struct.unpack(">HH", got[10:14])
    print(got[14:14 + n].decode())
    return 0


def main():
    args = sys.argv[1:]
    if args[0] == "--mail":
        return lookup_mail(args[2], args[1])
    admin = "--admin-on-nss" in args
    path = [a for a in args if not a.startswith("--")][0]
    name = field(F_NAME, b"alice")
    if admin:
        bad = {"admin-only PING on nss.sock": frame(body(REQ_PING, []))}
    else:
        bad = {
            "embedded NUL": frame(body(REQ_PASSWD_BYNAME, [field(F_NAME, b"ali\0ce")])),
            "invalid UTF-8": frame(body(REQ_PASSWD_BYNAME, [field(F_NAME, b"al\xc0\xafice")])),
            "oversize length": struct.pack(">I", 0xFFFFFFFF) + b"x" * 16,
            "length below header": frame(b"\0\1"),
            "bad version": frame(body(REQ_PASSWD_BYNAME, [name], version=99)),
            "unknown opcode": frame(body(0x7ffe, [name])),
            "unknown field": frame(body(REQ_PASSWD_BYNAME, [name, field(99, b"x")])),
            "duplicate field": frame(body(REQ_PASSWD_BYNAME, [name, name])),
            "wrong field for opcode": frame(body(REQ_PASSWD_BYNAME, [field(F_UID, b"\0\0\0\1")])),
            "trailing bytes": frame(body(REQ_PASSWD_BYNAME, [name]) + b"\0"),
            "field past end": frame(body(REQ_PASSWD_BYNAME, [name], nfields=2)),
            "answer opcode as request": frame(body(ANS_END, [])),
        }
    failed = 0
    for what, data in bad.items():
        got = exchange(path, data, shut=True)
        if got:
            print(f"FAIL {what}: got an answer {got[:40]!r}")
            failed += 1
        else:
            print(f"ok   {what}: connection closed without an answer")
    # truncated: half a frame, then the client closes its side
    got = exchange(path, frame(body(REQ_PASSWD_BYNAME, [name]))[:9], shut=True)
    print(("FAIL" if got else "ok  ") + " truncated frame")
    failed += bool(got)
    got = exchange(path, frame(body(REQ_PASSWD_BYNAME, [name])))
    if not got_end(got) or struct.unpack(">H", got[6:8])[0] != ANS_PASSWD:
        print(f"FAIL a good request afterwards: {got[:40]!r}")
        failed += 1
    else:
        print("ok   a good request afterwards is answered")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
