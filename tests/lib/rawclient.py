#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Speak Sesame's wire protocol by hand (an independent encoder, written
from common/sesame-proto.h) to check how sesamed treats bad input, and to
send any pam.sock / admin.sock request.

usage: rawclient.py [--admin-on-nss] SOCKET
       rawclient.py --mail ADDRESS SOCKET   (prints the account's name)
       rawclient.py --socket PATH [--timeout S] [--as-uid UID [--as-gid GID]]
                    [--deadline-ms MS] COMMAND [ARGS...]

Each malformed frame goes on its own connection; sesamed must close that
connection without an answer.  Afterwards a well-formed request must still
be answered.  Exit status 0 when all of that holds.

With --socket, one request is sent and the answer printed, one line per
frame ("[USER]", "[END]", ...) followed by one line per field
"FIELD=value" (value to the end of the line; a backslash or newline in it
is written \\ or \n).  STATUS, REASON, FLAGS (comma-separated names, empty
when none) and TOTP_ALG are printed by name, other numbers in decimal:

    [USER]
    NAME=alice
    [END]
    STATUS=OK

Exit status: 0 for STATUS=OK, 10 + the status number for any other
status (11 NOTFOUND, 12 UNAVAIL, 13 DENIED, 14 INTERNAL, 15 AUTH_FAILED,
16 REFUSED, 17 BAD_PASSWORD), 3 when no END came (connection closed,
timeout, malformed answer), 2 for a usage error.  --as-uid drops to that
uid (and --as-gid, default the same number) before connecting, to act as
an unprivileged peer.  --deadline-ms adds DEADLINE_MS (how long the client
says it will still wait) to the request.

Commands (secrets may come from a file: --password-file, --new-password-file,
--code-file; the file's content without one trailing newline):
  ping
  check
  auth LOGIN [--password P|--password-file F] [--code C|--code-file F]
       [--service S] [--rhost H] [--tty T]
       [--totp-mode off|optional|required|N] [--role R]...
       (no --password: an empty PASSWORD field; no --code: no CODE field;
       --service default "rawclient", --totp-mode default optional)
  account LOGIN [--service S] [--rhost H] [--role R]...
  chauthtok LOGIN [--password P|--password-file F]
       [--new-password P|--new-password-file F] [--service S]
  session LOGIN open|close [--service S] [--rhost H] [--tty T]
  user-show LOGIN
  totp-enroll LOGIN [--alg sha1|sha256|sha512|N] [--digits N]
  totp-activate LOGIN --code C|--code-file F
  totp-disable LOGIN
  recovery-codes LOGIN
  unlock LOGIN
  web-reset-request LOGIN [--rhost H]       (web.sock)
  web-reset-check TOKEN
  web-reset-redeem TOKEN --new-password P|--new-password-file F [--rhost H]
  web-confirm-request LOGIN [--rhost H]
  web-confirm-redeem TOKEN [--rhost H]
  web-register NAME --mail M --new-password P|--new-password-file F [--rhost H]
  purge-pending --age SECONDS                (admin.sock)
"""
import os
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


# ---------------------------------------------------------------- requests

REQ = {
    "ping": 0x0100, "check": 0x011C,
    "user-show": 0x0110, "totp-enroll": 0x0112, "totp-activate": 0x0114,
    "totp-disable": 0x0116, "recovery-codes": 0x0118, "unlock": 0x011A,
    "auth": 0x0200, "account": 0x0202, "chauthtok": 0x0204, "session": 0x0206,
    "web-reset-request": 0x0300, "web-reset-check": 0x0302, "web-reset-redeem": 0x0304,
    "web-confirm-request": 0x0306, "web-confirm-redeem": 0x0308, "web-register": 0x030A,
    "purge-pending": 0x011E,
}
ANS_NAMES = {0x0001: "END", 0x0003: "PASSWD", 0x0005: "GROUP", 0x0007: "MEMBERS",
             0x0009: "GIDS", 0x000B: "USER", 0x000D: "USERINFO", 0x000F: "TOTP",
             0x0011: "CODES"}
# tag: (name, type)
FIELDS = {
    1: ("NAME", "s"), 2: ("UID", "u"), 3: ("GID", "u"), 4: ("PASSWD", "s"),
    5: ("GECOS", "s"), 6: ("HOME", "s"), 7: ("SHELL", "s"), 8: ("MEMBER", "s"),
    9: ("STATUS", "u"), 10: ("MESSAGE", "s"), 11: ("MAIL", "s"), 12: ("LOGIN", "s"),
    13: ("PASSWORD", "s"), 14: ("NEWPASSWORD", "s"), 15: ("CODE", "s"),
    16: ("SERVICE", "s"), 17: ("RHOST", "s"), 18: ("TTY", "s"),
    19: ("TOTP_MODE", "u"), 20: ("ROLE", "s"), 21: ("REASON", "u"),
    22: ("FLAGS", "u"), 23: ("LAST_LOGIN", "u"), 24: ("LOGIN_COUNT", "u"),
    25: ("FAILURES", "u"), 26: ("LOCKED_UNTIL", "u"), 27: ("TOTP_ALG", "u"),
    28: ("TOTP_DIGITS", "u"), 29: ("SECRET", "s"), 30: ("URI", "s"),
    31: ("ACTION", "u"), 32: ("RECOVERY_LEFT", "u"), 33: ("DEADLINE_MS", "u"),
    34: ("TOKEN", "s"), 35: ("AGE", "u"),
}
TAG = {name: tag for tag, (name, _) in FIELDS.items()}
STATUS = ["OK", "NOTFOUND", "UNAVAIL", "DENIED", "INTERNAL", "AUTH_FAILED",
          "REFUSED", "BAD_PASSWORD"]
REASON = {1: "LOCKED", 2: "PPOLICY_LOCKED", 3: "DISABLED", 4: "EXPIRED",
          5: "UNCONFIRMED", 6: "ROLE", 7: "NO_TOTP", 8: "CODE_NEEDED", 9: "TOKEN",
          10: "MUST_CHANGE", 11: "PASSWORD_EXPIRED", 12: "PENDING", 13: "NAME_INVALID",
          14: "NAME_TAKEN", 15: "MAIL_INVALID"}
FLAGS = ["CONFIRMED", "LOCKED", "PPOLICY_LOCKED", "TOTP", "TOTP_PENDING",
         "DISABLED", "EXPIRED", "CLOCK_AHEAD", "PENDING"]
ALGS = ["SHA1", "SHA256", "SHA512"]
TOTP_MODES = {"off": 0, "optional": 1, "required": 2}


class Usage(Exception):
    pass


def fstr(name, value):
    if isinstance(value, str):
        value = value.encode()
    return field(TAG[name], value)


def fu32(name, value):
    return field(TAG[name], struct.pack(">I", value))


def read_secret(path):
    with open(path, "rb") as f:
        data = f.read()
    return data[:-1] if data.endswith(b"\n") else data


def parse_opts(argv, spec):
    """--opt VALUE options (spec: name -> repeatable?); the rest positional."""
    opts, pos, i = {}, [], 0
    while i < len(argv):
        a = argv[i]
        if a.startswith("--"):
            key = a[2:]
            if key not in spec or i + 1 >= len(argv):
                raise Usage("unknown option or missing value: " + a)
            if spec[key]:
                opts.setdefault(key, []).append(argv[i + 1])
            elif key in opts:
                raise Usage("option given twice: " + a)
            else:
                opts[key] = argv[i + 1]
            i += 2
        else:
            pos.append(a)
            i += 1
    return opts, pos


def secret(opts, name):
    if name in opts and name + "-file" in opts:
        raise Usage("--%s and --%s-file exclude each other" % (name, name))
    if name + "-file" in opts:
        return read_secret(opts[name + "-file"])
    if name in opts:
        return opts[name].encode()
    return None


def number(text, names=None):
    if names and text.lower() in names:
        return names[text.lower()]
    try:
        return int(text, 0)
    except ValueError:
        raise Usage("not a number: " + text)


def build_request(cmd, argv, deadline_ms=None):
    if cmd not in REQ:
        raise Usage("unknown command: " + cmd)
    common = {"service": False, "rhost": False, "tty": False, "role": True}
    spec = {
        "auth": dict(common, **{"password": False, "password-file": False, "code": False,
                                "code-file": False, "totp-mode": False}),
        "account": {"service": False, "rhost": False, "role": True},
        "chauthtok": {"service": False, "password": False, "password-file": False,
                      "new-password": False, "new-password-file": False},
        "session": {"service": False, "rhost": False, "tty": False},
        "totp-enroll": {"alg": False, "digits": False},
        "totp-activate": {"code": False, "code-file": False},
        "web-reset-request": {"rhost": False},
        "web-reset-redeem": {"new-password": False, "new-password-file": False, "rhost": False},
        "web-confirm-request": {"rhost": False},
        "web-confirm-redeem": {"rhost": False},
        "web-register": {"mail": False, "new-password": False, "new-password-file": False, "rhost": False},
        "purge-pending": {"age": False},
    }.get(cmd, {})
    opts, pos = parse_opts(argv, spec)
    nargs = 0 if cmd in ("ping", "check", "purge-pending") else 2 if cmd == "session" else 1
    if len(pos) != nargs:
        raise Usage("%s takes %d argument(s)" % (cmd, nargs))
    fields = []
    web_token = cmd in ("web-reset-check", "web-reset-redeem", "web-confirm-redeem")
    if nargs:
        fields.append(fstr("TOKEN" if web_token else "LOGIN", pos[0]))
    service = opts.get("service", "rawclient")
    if cmd == "auth":
        fields.append(fstr("PASSWORD", secret(opts, "password") or b""))
        code = secret(opts, "code")
        if code is not None:
            fields.append(fstr("CODE", code))
        fields.append(fstr("SERVICE", service))
        fields.append(fu32("TOTP_MODE", number(opts.get("totp-mode", "optional"), TOTP_MODES)))
    elif cmd == "account":
        fields.append(fstr("SERVICE", service))
    elif cmd == "chauthtok":
        fields.append(fstr("PASSWORD", secret(opts, "password") or b""))
        new = secret(opts, "new-password")
        if new is not None:
            fields.append(fstr("NEWPASSWORD", new))
        fields.append(fstr("SERVICE", service))
    elif cmd == "session":
        fields.append(fstr("SERVICE", service))
        fields.append(fu32("ACTION", number(pos[1], {"open": 1, "close": 2})))
    elif cmd == "totp-enroll":
        if "alg" in opts:
            fields.append(fu32("TOTP_ALG", number(opts["alg"], {"sha1": 0, "sha256": 1, "sha512": 2})))
        if "digits" in opts:
            fields.append(fu32("TOTP_DIGITS", number(opts["digits"])))
    elif cmd == "web-reset-redeem":
        new = secret(opts, "new-password")
        if new is None:
            raise Usage("web-reset-redeem needs --new-password or --new-password-file")
        fields.append(fstr("NEWPASSWORD", new))
    elif cmd == "web-register":
        new = secret(opts, "new-password")
        if new is None or "mail" not in opts:
            raise Usage("web-register needs --mail and --new-password or --new-password-file")
        fields.append(fstr("MAIL", opts["mail"]))
        fields.append(fstr("NEWPASSWORD", new))
    elif cmd == "purge-pending":
        if "age" not in opts:
            raise Usage("purge-pending needs --age")
        fields.append(fu32("AGE", number(opts["age"])))
    elif cmd == "totp-activate":
        code = secret(opts, "code")
        if code is None:
            raise Usage("totp-activate needs --code or --code-file")
        fields.append(fstr("CODE", code))
    for key in ("rhost", "tty"):
        if key in opts:
            fields.append(fstr(key.upper(), opts[key]))
    for role in opts.get("role", []):
        fields.append(fstr("ROLE", role))
    if deadline_ms is not None:
        fields.append(fu32("DEADLINE_MS", number(deadline_ms)))
    return frame(body(REQ[cmd], fields))


def recv_frames(s):
    """Frames until END: [(opcode, [(tag, bytes)])]; None if cut short."""
    data, frames = b"", []
    while True:
        while len(data) >= 4 and len(data) >= 4 + struct.unpack(">I", data[:4])[0]:
            (n,) = struct.unpack(">I", data[:4])
            b, data = data[4:4 + n], data[4 + n:]
            if n < 6:
                return None
            _, op, nf = struct.unpack(">HHH", b[:6])
            off, flds = 6, []
            for _ in range(nf):
                if off + 4 > len(b):
                    return None
                tag, ln = struct.unpack(">HH", b[off:off + 4])
                flds.append((tag, b[off + 4:off + 4 + ln]))
                off += 4 + ln
            frames.append((op, flds))
            if op == ANS_END:
                return frames
        chunk = s.recv(65536)
        if not chunk:
            return None
        data += chunk


def show_value(name, kind, raw):
    if kind == "s":
        text = raw.decode("utf-8", "backslashreplace")
        return text.replace("\\", "\\\\").replace("\n", "\\n")
    if len(raw) != 4:
        return "<bad length %d>" % len(raw)
    (v,) = struct.unpack(">I", raw)
    if name == "STATUS" and v < len(STATUS):
        return STATUS[v]
    if name == "REASON" and v in REASON:
        return REASON[v]
    if name == "TOTP_ALG" and v < len(ALGS):
        return ALGS[v]
    if name == "FLAGS":
        names = [f for i, f in enumerate(FLAGS) if v & (1 << i)]
        rest = v & ~((1 << len(FLAGS)) - 1)
        if rest:
            names.append("0x%x" % rest)
        return ",".join(names)
    return str(v)


def request_main(args):
    spec = {"socket": False, "timeout": False, "as-uid": False, "as-gid": False, "deadline-ms": False}
    # global options come before the command
    i, opts = 0, {}
    while i < len(args) and args[i].startswith("--"):
        key = args[i][2:]
        if key not in spec or i + 1 >= len(args):
            raise Usage("unknown option or missing value: " + args[i])
        opts[key] = args[i + 1]
        i += 2
    if "socket" not in opts or i >= len(args):
        raise Usage("--socket PATH and a command are needed")
    data = build_request(args[i], args[i + 1:], opts.get("deadline-ms"))
    if "as-uid" in opts:
        uid = number(opts["as-uid"])
        gid = number(opts.get("as-gid", opts["as-uid"]))
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(float(opts.get("timeout", "15")))
    try:
        s.connect(opts["socket"])
        s.sendall(data)
        frames = recv_frames(s)
    except (OSError, socket.timeout) as e:
        print("# no answer: %s" % e, file=sys.stderr)
        return 3
    finally:
        s.close()
    if frames is None:
        print("# the connection ended without an END frame", file=sys.stderr)
        return 3
    status = None
    for op, flds in frames:
        print("[%s]" % ANS_NAMES.get(op, "0x%04x" % op))
        for tag, raw in flds:
            name, kind = FIELDS.get(tag, ("TAG%d" % tag, "s"))
            print("%s=%s" % (name, show_value(name, kind, raw)))
            if op == ANS_END and tag == TAG["STATUS"] and len(raw) == 4:
                status = struct.unpack(">I", raw)[0]
    if status is None:
        return 3
    return 0 if status == 0 else 10 + min(status, 100)


def main():
    args = sys.argv[1:]
    if "--socket" in args:
        try:
            return request_main(args)
        except Usage as e:
            print("rawclient.py: %s" % e, file=sys.stderr)
            return 2
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
