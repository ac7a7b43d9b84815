#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""A TCP proxy whose path can be made slow or silently cut, for tests of
how sesamed copes with a sick server or network.

usage: tcpproxy.py PORTFILE UPSTREAM_PORT CONTROLFILE

Listens on 127.0.0.1, on a free port that it writes to PORTFILE, and
forwards each connection to 127.0.0.1:UPSTREAM_PORT.  CONTROLFILE holds
the mode, read again for every chunk of data:

    pass        forward (the default, also when the file is missing)
    delay MS    forward each chunk MS milliseconds late (a slow directory)
    drop        forward nothing and close nothing: both ends stay open
                and see no byte and no FIN/RST (a silently dropped path);
                new connections are accepted and treated the same

The proxy's own TCP stack still ACKs, so to the client this is a server
that has stopped answering.  Runs until killed.
"""
import os
import socket
import sys
import threading
import time

portfile, upstream, control = sys.argv[1], int(sys.argv[2]), sys.argv[3]


def mode():
    try:
        words = open(control).read().split()
    except OSError:
        return ("pass", 0)
    if words[:1] == ["delay"] and len(words) == 2:
        return ("delay", int(words[1]))
    return (words[0], 0) if words else ("pass", 0)


def pipe(src, dst, peer_gone):
    while True:
        try:
            data = src.recv(65536)
        except OSError:
            data = b""
        m, ms = mode()
        if m == "drop":
            if not data:
                return  # the end closed: say nothing to the other one
            continue
        if not data:
            break
        if m == "delay":
            time.sleep(ms / 1000)
        try:
            dst.sendall(data)
        except OSError:
            break
    peer_gone.set()
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def serve(client):
    try:
        up = socket.create_connection(("127.0.0.1", upstream), timeout=5)
        up.settimeout(None)
    except OSError:
        client.close()
        return
    gone = threading.Event()
    threading.Thread(target=pipe, args=(client, up, gone), daemon=True).start()
    threading.Thread(target=pipe, args=(up, client, gone), daemon=True).start()


def main():
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(64)
    tmp = portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(ls.getsockname()[1]))
    os.rename(tmp, portfile)
    while True:
        c, _ = ls.accept()
        serve(c)


if __name__ == "__main__":
    main()
