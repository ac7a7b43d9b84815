#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""An SSH client for Sesame's integration tests (python3-paramiko).

    ssh-login.py [options] HOST PORT USER

Logs in as USER, runs one command (default: id), writes the command's
standard output to stdout and reports on stderr what happened: every
keyboard-interactive prompt ("prompt: 'Password: ' -> password"), every
line of a banner the server sent during authentication ("banner: TEXT";
sshd sends the messages of the PAM account phase that way, e.g. why an
account may not log in), the remote command's stderr and "exit-status: N".

The secrets are never on the command line: the password comes from the
environment variable SSH_LOGIN_PASSWORD, the TOTP code from SSH_LOGIN_CODE.

Modes (--mode):
  kbd            keyboard-interactive: a prompt containing "password" gets
                 the password, a prompt containing "code" (or "otp",
                 "token", "verification") gets the code
  kbd-no-code    keyboard-interactive, answering only the password: a code
                 prompt gets an empty answer (a client that knows no code)
  password       the "password" method only (auth_password), no
                 keyboard-interactive at all
  pubkey         the "publickey" method only, with the ed25519 private key
                 in --key FILE (OpenSSH format, no passphrase)

Exit status:
  0  authenticated, the command ran and exited 0
  1  authentication refused (by the server: wrong credentials, method not
     allowed, key not accepted; or the server closed the connection during
     authentication, which is how sshd refuses a user whose key it accepted
     but whose PAM account phase failed: "refused: connection closed by the
     server during authentication")
  2  connection or protocol error, timeout, host key mismatch
  3  authenticated, but the command failed (non-zero status, no status)
  4  a keyboard-interactive prompt this client does not understand (so a
     test never mistakes "prompted for something else" for a refusal)

Every step is bounded (--timeout seconds each: connect, banner, key
exchange, authentication, channel, command) and the whole run by an alarm.
"""

import argparse
import os
import signal
import socket
import sys

import paramiko

EXIT_OK, EXIT_AUTH, EXIT_CONN, EXIT_CMD, EXIT_PROMPT = 0, 1, 2, 3, 4

CODE_WORDS = ("code", "otp", "token", "verification")


class UnknownPrompt(Exception):
        pass


def err(msg):
        print(msg, file=sys.stderr, flush=True)


def make_handler(password, code, answer_code, seen):
        def handler(title, instructions, prompts):
                if title or instructions:
                        err("info: %r %r" % (title, instructions))
                answers = []
                for text, echo in prompts:
                        low = text.lower()
                        if "password" in low:
                                kind, answer = "password", password
                        elif any(w in low for w in CODE_WORDS):
                                kind, answer = "code", (code if answer_code else "")
                        else:
                                err("prompt: %r (echo=%s) -> not understood" % (text, echo))
                                raise UnknownPrompt(text)
                        if answer == "" and kind == "code":
                                kind = "empty code"
                        err("prompt: %r (echo=%s) -> %s" % (text, echo, kind))
                        seen.append(kind)
                        answers.append(answer)
                return answers

        return handler


def check_host_key(transport, pubfile):
        if not pubfile:
                return True
        with open(pubfile, encoding="ascii") as f:
                fields = f.read().split()
        key = transport.get_remote_server_key()
        if len(fields) < 2 or key.get_name() != fields[0] or key.get_base64() != fields[1]:
                err("host key mismatch: got %s %s" % (key.get_name(), key.get_base64()))
                return False
        return True


def report_banner(transport):
        # not transport.get_banner(): it answers None once the server has
        # closed the connection, which is when a refusal's banner matters
        handler = transport.auth_handler
        banner = getattr(handler, "banner", None) if handler is not None else None
        if not banner:
                return
        if isinstance(banner, bytes):
                banner = banner.decode("utf-8", "replace")
        for line in banner.splitlines():
                err("banner: %s" % line)


def run(args):
        password = os.environ.get("SSH_LOGIN_PASSWORD", "")
        code = os.environ.get("SSH_LOGIN_CODE", "")
        t = args.timeout
        try:
                sock = socket.create_connection((args.host, args.port), timeout=t)
        except OSError as e:
                err("connect: %s" % e)
                return EXIT_CONN
        transport = paramiko.Transport(sock)
        transport.banner_timeout = t
        transport.handshake_timeout = t
        transport.auth_timeout = t
        try:
                try:
                        transport.start_client(timeout=t)
                except (paramiko.SSHException, OSError, EOFError) as e:
                        err("handshake: %s" % e)
                        return EXIT_CONN
                if not check_host_key(transport, args.host_key):
                        return EXIT_CONN
                seen = []
                try:
                        if args.mode == "pubkey":
                                key = paramiko.Ed25519Key.from_private_key_file(args.key)
                                transport.auth_publickey(args.user, key)
                        elif args.mode == "password":
                                # no fallback: paramiko would otherwise try
                                # keyboard-interactive, answering the password
                                # to every prompt
                                transport.auth_password(args.user, password, fallback=False)
                        else:
                                handler = make_handler(password, code, args.mode == "kbd", seen)
                                transport.auth_interactive(args.user, handler)
                except UnknownPrompt:
                        return EXIT_PROMPT
                except paramiko.BadAuthenticationType as e:
                        report_banner(transport)
                        err("refused: method not allowed (server allows %s)" % ",".join(e.allowed_types))
                        return EXIT_AUTH
                except paramiko.AuthenticationException as e:
                        report_banner(transport)
                        if str(e) == "Authentication timeout.":
                                err("authentication: no answer within %s s" % t)
                                return EXIT_CONN
                        if not transport.is_active():
                                err("refused: connection closed by the server during authentication")
                        else:
                                err("refused: %s" % (e or "authentication failed"))
                        return EXIT_AUTH
                except (paramiko.SSHException, OSError, EOFError) as e:
                        report_banner(transport)
                        err("authentication: %s" % e)
                        return EXIT_CONN
                report_banner(transport)
                if not transport.is_authenticated():
                        err("refused: not authenticated")
                        return EXIT_AUTH
                if args.mode == "pubkey":
                        err("authenticated (publickey %s)" % key.get_name())
                else:
                        err("authenticated (answered: %s)" % (", ".join(seen) or "nothing"))
                return run_command(transport, args.command, t)
        finally:
                transport.close()
                sock.close()


def run_command(transport, command, t):
        try:
                chan = transport.open_session(timeout=t)
                chan.settimeout(t)
                chan.exec_command(command)
                chan.shutdown_write()
                out, errout = b"", b""
                while True:
                        data = chan.recv(65536)
                        if not data:
                                break
                        out += data
                while chan.recv_stderr_ready() or not chan.eof_received:
                        data = chan.recv_stderr(65536)
                        if not data:
                                break
                        errout += data
                if not chan.status_event.wait(t):
                        err("no exit status within %s s" % t)
                        return EXIT_CMD
                status = chan.exit_status
        except (paramiko.SSHException, OSError, EOFError) as e:
                err("channel: %s" % e)
                return EXIT_CONN
        sys.stdout.write(out.decode("utf-8", "replace"))
        sys.stdout.flush()
        for line in errout.decode("utf-8", "replace").splitlines():
                err("remote stderr: %s" % line)
        err("exit-status: %d" % status)
        return EXIT_OK if status == 0 else EXIT_CMD


def main():
        p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
        p.add_argument("host")
        p.add_argument("port", type=int)
        p.add_argument("user")
        p.add_argument("--mode", choices=("kbd", "kbd-no-code", "password", "pubkey"), default="kbd")
        p.add_argument("--key", help="the ed25519 private key file for --mode pubkey")
        p.add_argument("--command", default="id")
        p.add_argument("--timeout", type=float, default=15.0, help="seconds per step (default 15)")
        p.add_argument("--host-key", help="the server's public host key file (OpenSSH format) to expect")
        args = p.parse_args()
        if (args.mode == "pubkey") != (args.key is not None):
                p.error("--key goes with --mode pubkey, and --mode pubkey needs --key")

        def alarm(signum, frame):
                err("timeout: gave up after %d s" % total)
                os._exit(EXIT_CONN)

        total = int(args.timeout * 4) + 5
        signal.signal(signal.SIGALRM, alarm)
        signal.alarm(total)
        try:
                rc = run(args)
        except Exception as e:  # anything unexpected is not a refusal
                err("error: %s: %s" % (type(e).__name__, e))
                rc = EXIT_CONN
        sys.exit(rc)


if __name__ == "__main__":
        main()
