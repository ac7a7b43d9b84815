#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""drop-proxy.py LISTEN_PORT TARGET_PORT ARM_FILE: a TCP proxy on
127.0.0.1:LISTEN_PORT to 127.0.0.1:TARGET_PORT that, while ARM_FILE
exists, drops the connection instead of passing on the answer to an
LDAP modify (ModifyResponse, [APPLICATION 7]) and removes ARM_FILE: the
directory has made the change, its client never hears so.  Everything
else passes unchanged.  Runs until killed."""
import os
import socket
import struct
import sys
import threading


def pdu_len(buf):
    """Length of the first BER SEQUENCE in buf, or None if incomplete."""
    if len(buf) < 2:
        return None
    n = buf[1]
    if n < 0x80:
        return 2 + n if len(buf) >= 2 + n else None
    k = n & 0x7F
    if len(buf) < 2 + k:
        return None
    n = int.from_bytes(buf[2:2 + k], "big")
    return 2 + k + n if len(buf) >= 2 + k + n else None


def op_tag(pdu):
    """The protocolOp tag of an LDAPMessage: after the messageID."""
    off = 2 if pdu[1] < 0x80 else 2 + (pdu[1] & 0x7F)
    # messageID: INTEGER
    idlen = pdu[off + 1]
    return pdu[off + 2 + idlen]


def reset(*socks):
    # shutdown first: a close() alone does not end the other thread's
    # recv() on the same socket, so nothing would reach the peer
    for s in socks:
        try:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        try:
            s.close()
        except OSError:
            pass


def upstream(c, s):
    try:
        while True:
            b = c.recv(65536)
            if not b:
                break
            s.sendall(b)
    except OSError:
        pass
    reset(c, s)


def downstream(c, s, arm):
    buf = b""
    try:
        while True:
            b = s.recv(65536)
            if not b:
                break
            buf += b
            while True:
                n = pdu_len(buf)
                if n is None:
                    break
                pdu, buf = buf[:n], buf[n:]
                if op_tag(pdu) == 0x67 and os.path.exists(arm):
                    os.unlink(arm)
                    reset(c, s)
                    return
                c.sendall(pdu)
    except OSError:
        pass
    reset(c, s)


def main():
    port, target, arm = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", port))
    ls.listen(64)
    while True:
        c, _ = ls.accept()
        s = socket.create_connection(("127.0.0.1", target))
        threading.Thread(target=upstream, args=(c, s), daemon=True).start()
        threading.Thread(target=downstream, args=(c, s, arm), daemon=True).start()


if __name__ == "__main__":
    main()
