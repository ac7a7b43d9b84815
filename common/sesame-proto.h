/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * sesame-proto.h - the Sesame wire protocol.
 *
 * This header is the single source of truth for what crosses the sockets
 * between sesamed and its clients (libnss_sesame, pam_sesame, sesame-web,
 * sesamectl).  The codec that implements it is common/proto.[ch]; every
 * process uses that codec and no other.
 *
 * Transport
 * ---------
 * SOCK_STREAM unix sockets in SESAME_RUNDIR (default /run/sesame), one per
 * privilege class:
 *   nss.sock    mode 0666  passwd/group/initgroups lookups (anyone)
 *   pam.sock    mode 0666  logins (pam_sesame); a non-root peer may only
 *                          act on its own account (SO_PEERCRED)
 *   admin.sock  mode 0600  sesamectl (root only)
 *   web.sock    mode 0666  sesame-web: only root and the uid of the
 *                          configured [web] user (SO_PEERCRED); anybody
 *                          else is closed on without an answer
 * Clients check that the socket is owned by root before sending anything.
 *
 * Frame
 * -----
 * All integers are big-endian.
 *
 *   u32 length     bytes that follow; SESAME_HDR_LEN <= length <= SESAME_FRAME_MAX
 *   u16 version    SESAME_PROTO_VERSION; checked before anything else
 *   u16 opcode     SESAME_REQ_* (client -> sesamed, even) or
 *                  SESAME_ANS_* (sesamed -> client, odd)
 *   u16 nfields    number of fields that follow
 *   nfields times:
 *     u16 tag      SESAME_F_*
 *     u16 len      bytes of value
 *     len bytes    value
 *
 * Field types are fixed per tag (see the table below):
 *   STR  UTF-8 (RFC 3629, no overlong forms, no surrogates), no NUL byte,
 *        0..max bytes (max per tag).  Not NUL-terminated on the wire.
 *   U32  len must be 4.
 *
 * Strict parsing.  Each of these is its own error (SESAME_E_*), and a
 * decoder never reads outside the frame it was given:
 *   - the stream ends inside a frame, or a field runs past the end of the
 *     frame                                   SESAME_E_TRUNCATED
 *   - length > SESAME_FRAME_MAX                SESAME_E_OVERSIZE
 *   - length < SESAME_HDR_LEN                  SESAME_E_SHORT
 *   - version != SESAME_PROTO_VERSION          SESAME_E_VERSION
 *   - opcode not defined here                  SESAME_E_OPCODE
 *   - a tag the opcode does not allow          SESAME_E_UNKNOWN_FIELD
 *   - a non-repeatable tag twice               SESAME_E_DUP_FIELD
 *   - a required tag missing                   SESAME_E_MISSING_FIELD
 *   - U32 with len != 4, STR longer than max   SESAME_E_FIELD_SIZE
 *   - STR with a NUL byte                      SESAME_E_NUL
 *   - STR that is not valid UTF-8              SESAME_E_UTF8
 *   - bytes left after the nfields-th field    SESAME_E_TRAILING
 *   - the peer closed before a frame began     SESAME_E_EOF
 *
 * Conversation
 * ------------
 * The client sends one request frame.  sesamed answers with zero or more
 * data frames followed by exactly one SESAME_ANS_END frame, whose STATUS
 * field is the outcome (SESAME_ST_*).  The client may then send another
 * request on the same connection.  A frame that fails to parse, or an
 * opcode that is not allowed on that socket, makes sesamed close the
 * connection without an answer (it keeps serving everyone else).
 *
 * Every read and write on both sides has a deadline.  The NSS client gives
 * up after about a second; sesamed drops a client that stays silent for
 * longer than its idle timeout or does not read its answer in time.
 *
 * The deadline travels in the request: any request may carry DEADLINE_MS,
 * the milliseconds the client will still wait for the answer, measured
 * when it sends the request.  Once they have passed nobody reads the
 * answer, so sesamed may drop the work instead of finishing it.  (An
 * enumeration's client waits that long for the first frame, and as long
 * again for each later one: the directory's progress, a page at a time.)
 *
 * Enumerations are streamed: sesamed sends the entries of each page the
 * directory returns before it asks for the next, so the client may hand
 * them out before the END.  An END that is not OK after data frames of
 * an enumeration therefore says "the list so far is not the whole list"
 * (the client ends it with an error), and so does a connection closed
 * before the END.  The clients' call layer
 * (common/call.h) fills it in from the call's deadline; pam_sesame's
 * requests share one deadline per PAM call, so each carries what the
 * earlier ones left.  Without it sesamed applies its own limits.  DEADLINE_MS is left out of the request
 * lists below.
 *
 * Versioning: any incompatible change bumps SESAME_PROTO_VERSION.  Client
 * and daemon come from the same package, so there is no negotiation: a
 * version mismatch is an error, which the clients treat as "unavailable".
 *
 * Requests and answers (nss.sock)
 * -------------------------------
 * SESAME_REQ_PASSWD_BYNAME   NAME              -> ANS_PASSWD?      END
 * SESAME_REQ_PASSWD_BYUID    UID               -> ANS_PASSWD?      END
 * SESAME_REQ_PASSWD_ENUM     (none)            -> ANS_PASSWD*      END
 * SESAME_REQ_GROUP_BYNAME    NAME              -> (ANS_GROUP ANS_MEMBERS*)?  END
 * SESAME_REQ_GROUP_BYGID     GID               -> (ANS_GROUP ANS_MEMBERS*)?  END
 * SESAME_REQ_GROUP_ENUM      (none)            -> (ANS_GROUP ANS_MEMBERS*)*  END
 * SESAME_REQ_INITGROUPS      NAME              -> ANS_GIDS*        END
 *
 * Requests and answers (admin.sock)
 * ---------------------------------
 * SESAME_REQ_PING            (none)            -> END
 * SESAME_REQ_PASSWD_BYMAIL   MAIL              -> ANS_PASSWD?      END
 * SESAME_REQ_CACHE_FLUSH     (none)            -> END
 *
 * Requests and answers (pam.sock)
 * -------------------------------
 * A peer whose uid (SO_PEERCRED) is not 0 may only name its own account:
 * anything else is answered DENIED.  PING is allowed here too.
 *
 * SESAME_REQ_AUTH        LOGIN, PASSWORD, CODE?, SERVICE, RHOST?, TTY?,
 *                        TOTP_MODE, ROLE*      -> ANS_USER? END
 *     Verify a password (LDAP bind as the entry found by search) and, per
 *     TOTP_MODE, a TOTP or recovery code.  LOGIN is a user name or, when
 *     [auth] mail_login is on, an email address.  On OK, ANS_USER carries
 *     the canonical user name.  ROLE: groups of which the user must be in
 *     at least one (checked only after the credentials were verified).
 * SESAME_REQ_ACCOUNT     LOGIN, SERVICE, ROLE*, RHOST?  -> ANS_USER? END
 *     Account phase: may this user log in now (also for logins where the
 *     auth phase did not run, e.g. SSH public keys)?
 * SESAME_REQ_CHAUTHTOK   LOGIN, PASSWORD, NEWPASSWORD?, SERVICE  -> END
 *     Without NEWPASSWORD: verify the old password only.  With it: check
 *     the quality rules (BAD_PASSWORD with the rules in MESSAGE), then
 *     change it with the Password Modify extended operation as the user.
 * SESAME_REQ_SESSION     LOGIN, SERVICE, ACTION, RHOST?, TTY?  -> END
 *
 * Requests and answers (admin.sock, for sesamectl)
 * ------------------------------------------------
 * SESAME_REQ_USER_SHOW      LOGIN          -> ANS_USERINFO? END
 * SESAME_REQ_TOTP_ENROLL    LOGIN, TOTP_ALG?, TOTP_DIGITS?  -> ANS_TOTP END
 *     Creates a pending seed (replacing a pending one); the active seed,
 *     if any, keeps working until TOTP_ACTIVATE succeeds.
 * SESAME_REQ_TOTP_ACTIVATE  LOGIN, CODE    -> END  (AUTH_FAILED: wrong code)
 * SESAME_REQ_TOTP_DISABLE   LOGIN          -> END
 * SESAME_REQ_RECOVERY_CODES LOGIN          -> ANS_CODES END
 *     Ten new single-use codes; the old ones stop working.
 * SESAME_REQ_UNLOCK         LOGIN          -> END
 * SESAME_REQ_CHECK          LOGIN?         -> END  (LDAP bind, key file; with LOGIN:
 *                                                  that account's state readable and writable)
 * SESAME_REQ_PASSWORD_SET   LOGIN, NEWPASSWORD  -> END
 *     Set the password as sesamed's service DN (quality rules first:
 *     BAD_PASSWORD with the rules in MESSAGE); outstanding reset links
 *     die, and a "password changed" notice is spooled.
 * SESAME_REQ_CONFIRM_SEND   LOGIN          -> END
 *     Spool a confirmation mail with a new link to the account's address.
 *     REFUSED with MESSAGE: no address, or it is confirmed already.
 * SESAME_REQ_PURGE_PENDING  AGE            -> END
 *     Delete the self-registered accounts still pending (objectClass
 *     sesamePending) that were made AGE seconds ago or earlier; MESSAGE
 *     "N deleted" (sesamed logs each by name).  Not OK when one could
 *     not be deleted (the others are).
 *
 * Requests and answers (web.sock, for sesame-web)
 * ------------------------------------------------
 * sesame-web asks on behalf of anonymous visitors, so none of these says
 * whether an account exists, and none answers with data about one.
 * Tokens are made and checked by sesamed alone: it writes the mail with
 * the link into the mail spool itself, so a token reaches sesame-web only
 * when a visitor brings it back.
 *
 * SESAME_REQ_WEB_RESET_REQUEST   LOGIN, RHOST?        -> END
 *     "Forgot password" for a user name or an address.  Always OK (the
 *     answer is sent before the account is even looked up): when the
 *     account exists and has an address, a reset mail is spooled.
 * SESAME_REQ_WEB_RESET_CHECK     TOKEN                -> END
 *     Is this a live reset token?  OK, or REFUSED with REASON TOKEN.
 * SESAME_REQ_WEB_RESET_REDEEM    TOKEN, NEWPASSWORD, RHOST?  -> END
 *     Spend the token (once: of two redeems exactly one wins) and set the
 *     password as sesamed's service DN; every other outstanding link dies
 *     and Sesame's failure count is cleared.  REFUSED/TOKEN: not a live
 *     token; BAD_PASSWORD with the rules in MESSAGE (the token is not
 *     spent then).
 * SESAME_REQ_WEB_CONFIRM_REQUEST LOGIN, RHOST?        -> END
 *     "Resend confirmation": always OK; a mail is spooled when the account
 *     exists, has an address and it is not confirmed yet.
 * SESAME_REQ_WEB_CONFIRM_REDEEM  TOKEN, RHOST?        -> END
 *     Mark the address confirmed (and a self-registered account no
 *     longer pending).  REFUSED/TOKEN: not a live token.
 * SESAME_REQ_WEB_REGISTER  LOGIN, MAIL, NEWPASSWORD, RHOST?  -> END
 *     Self-registration ([web] registration): LOGIN is the user name
 *     asked for.  DENIED when registration is off.  REFUSED with REASON
 *     NAME_INVALID or NAME_TAKEN, or MAIL_INVALID (the shape of the
 *     address), BAD_PASSWORD with the rules in MESSAGE: nothing was made.
 *     Otherwise OK, sent before the address is looked up: a new account
 *     pending confirmation and a confirmation mail, or, when an entry
 *     has that address already, no account and a mail to the address
 *     saying so.  Either way the answer is the same.
 *
 * Answers
 * -------
 * SESAME_ANS_END       STATUS, MESSAGE?, REASON?, LOCKED_UNTIL?
 * SESAME_ANS_PASSWD    NAME, PASSWD, UID, GID, GECOS, HOME, SHELL
 * SESAME_ANS_GROUP     NAME, PASSWD, GID, MEMBER*
 * SESAME_ANS_MEMBERS   MEMBER*      more members of the ANS_GROUP just sent
 *                                   (a group's member list may not fit one
 *                                   frame)
 * SESAME_ANS_GIDS      GID*         supplementary gids (initgroups); may
 *                                   come in several frames
 * SESAME_ANS_USER      NAME         the canonical user name
 * SESAME_ANS_USERINFO  NAME, UID, MAIL?, FLAGS, ROLE*, LAST_LOGIN?,
 *                      LOGIN_COUNT?, FAILURES?, LOCKED_UNTIL?, TOTP_ALG?,
 *                      TOTP_DIGITS?, RECOVERY_LEFT?
 * SESAME_ANS_TOTP      NAME, SECRET, URI     the pending seed (base32) and
 *                                            its otpauth:// URI
 * SESAME_ANS_CODES     CODE*        recovery codes, shown once
 *
 * END's STATUS:
 *   SESAME_ST_OK        the data frames before it are the whole answer
 *   SESAME_ST_NOTFOUND  no such entry (authoritative)
 *   SESAME_ST_UNAVAIL   the directory cannot be reached and nothing is
 *                       cached; try later
 *   SESAME_ST_DENIED    the caller may not ask this
 *   SESAME_ST_INTERNAL  sesamed failed; the answer is not usable
 *   SESAME_ST_AUTH_FAILED   wrong password or code
 *   SESAME_ST_REFUSED   the account may not log in; REASON says why
 *   SESAME_ST_BAD_PASSWORD  the new password breaks a quality rule; MESSAGE
 *                       lists the rules
 * Data frames received before an END whose status is not OK are discarded.
 */
#ifndef SESAME_PROTO_H
#define SESAME_PROTO_H

#define SESAME_PROTO_VERSION 1

/* Largest value of the length word (bytes after it). */
#define SESAME_FRAME_MAX 16384
/* version + opcode + nfields */
#define SESAME_HDR_LEN 6
/* length word + largest body: the buffer size a reader needs */
#define SESAME_BUF_MAX (4 + SESAME_FRAME_MAX)

/* Requests: even. */
#define SESAME_REQ_PASSWD_BYNAME 0x0002
#define SESAME_REQ_PASSWD_BYUID  0x0004
#define SESAME_REQ_PASSWD_ENUM   0x0006
#define SESAME_REQ_GROUP_BYNAME  0x0008
#define SESAME_REQ_GROUP_BYGID   0x000a
#define SESAME_REQ_GROUP_ENUM    0x000c
#define SESAME_REQ_INITGROUPS    0x000e
#define SESAME_REQ_PING          0x0100
#define SESAME_REQ_PASSWD_BYMAIL 0x0102
#define SESAME_REQ_CACHE_FLUSH   0x0104
#define SESAME_REQ_USER_SHOW      0x0110
#define SESAME_REQ_TOTP_ENROLL    0x0112
#define SESAME_REQ_TOTP_ACTIVATE  0x0114
#define SESAME_REQ_TOTP_DISABLE   0x0116
#define SESAME_REQ_RECOVERY_CODES 0x0118
#define SESAME_REQ_UNLOCK         0x011a
#define SESAME_REQ_CHECK          0x011c
#define SESAME_REQ_PASSWORD_SET   0x011e
#define SESAME_REQ_CONFIRM_SEND   0x0120
#define SESAME_REQ_PURGE_PENDING  0x0122
#define SESAME_REQ_AUTH          0x0200
#define SESAME_REQ_ACCOUNT       0x0202
#define SESAME_REQ_CHAUTHTOK     0x0204
#define SESAME_REQ_SESSION       0x0206
#define SESAME_REQ_WEB_RESET_REQUEST   0x0300
#define SESAME_REQ_WEB_RESET_CHECK     0x0302
#define SESAME_REQ_WEB_RESET_REDEEM    0x0304
#define SESAME_REQ_WEB_CONFIRM_REQUEST 0x0306
#define SESAME_REQ_WEB_CONFIRM_REDEEM  0x0308
#define SESAME_REQ_WEB_REGISTER        0x030a

/* Answers: odd. */
#define SESAME_ANS_END     0x0001
#define SESAME_ANS_PASSWD  0x0003
#define SESAME_ANS_GROUP   0x0005
#define SESAME_ANS_MEMBERS 0x0007
#define SESAME_ANS_GIDS    0x0009
#define SESAME_ANS_USER     0x000b
#define SESAME_ANS_USERINFO 0x000d
#define SESAME_ANS_TOTP     0x000f
#define SESAME_ANS_CODES    0x0011

/*
 * Fields.  tag     type  max bytes
 */
#define SESAME_F_NAME    1  /* STR   256  user or group name          */
#define SESAME_F_UID     2  /* U32                                   */
#define SESAME_F_GID     3  /* U32                                   */
#define SESAME_F_PASSWD  4  /* STR   256  passwd "*", group "x"       */
#define SESAME_F_GECOS   5  /* STR  1024                              */
#define SESAME_F_HOME    6  /* STR  1024                              */
#define SESAME_F_SHELL   7  /* STR  1024                              */
#define SESAME_F_MEMBER  8  /* STR   256  a member's user name        */
#define SESAME_F_STATUS  9  /* U32        SESAME_ST_*                 */
#define SESAME_F_MESSAGE 10 /* STR  1024  human-readable detail       */
#define SESAME_F_MAIL    11 /* STR   320  email address               */
#define SESAME_F_LOGIN   12 /* STR   320  login name as typed: user name or email */
#define SESAME_F_PASSWORD 13 /* STR  512  secret: wipe after use      */
#define SESAME_F_NEWPASSWORD 14 /* STR 512 secret: wipe after use     */
#define SESAME_F_CODE    15 /* STR    64  TOTP or recovery code (secret) */
#define SESAME_F_SERVICE 16 /* STR   256  PAM service name            */
#define SESAME_F_RHOST   17 /* STR  1024  PAM_RHOST                   */
#define SESAME_F_TTY     18 /* STR   256  PAM_TTY                     */
#define SESAME_F_TOTP_MODE 19 /* U32      SESAME_TOTP_*               */
#define SESAME_F_ROLE    20 /* STR   256  a role (group name)         */
#define SESAME_F_REASON  21 /* U32        SESAME_R_*                  */
#define SESAME_F_FLAGS   22 /* U32        SESAME_UF_*                 */
#define SESAME_F_LAST_LOGIN 23 /* U32     seconds since the epoch     */
#define SESAME_F_LOGIN_COUNT 24 /* U32                                */
#define SESAME_F_FAILURES 25 /* U32       failures in the current window */
#define SESAME_F_LOCKED_UNTIL 26 /* U32   seconds since the epoch     */
#define SESAME_F_TOTP_ALG 27 /* U32       SESAME_ALG_*                */
#define SESAME_F_TOTP_DIGITS 28 /* U32    6..8                        */
#define SESAME_F_SECRET  29 /* STR   128  base32 TOTP seed (enrolment answer only) */
#define SESAME_F_URI     30 /* STR  1024  otpauth:// URI               */
#define SESAME_F_ACTION  31 /* U32        SESAME_SESSION_*            */
#define SESAME_F_RECOVERY_LEFT 32 /* U32  unused recovery codes       */
#define SESAME_F_DEADLINE_MS 33 /* U32    ms the client will still wait (any request) */
#define SESAME_F_TOKEN   34 /* STR   128  a reset or confirmation token (secret) */
#define SESAME_F_AGE     35 /* U32        seconds                     */
#define SESAME_F__MAX    35

#define SESAME_NAME_MAX 256
#define SESAME_TEXT_MAX 1024
#define SESAME_MAIL_MAX 320
#define SESAME_PASSWORD_MAX 512 /* longer is refused, never truncated */
#define SESAME_CODE_MAX 64
#define SESAME_SECRET_MAX 128
#define SESAME_TOKEN_MAX 128

/* STATUS values */
#define SESAME_ST_OK       0
#define SESAME_ST_NOTFOUND 1
#define SESAME_ST_UNAVAIL  2
#define SESAME_ST_DENIED   3
#define SESAME_ST_INTERNAL 4
#define SESAME_ST_AUTH_FAILED 5
#define SESAME_ST_REFUSED  6
#define SESAME_ST_BAD_PASSWORD 7

/* REASON values (with ST_REFUSED, and ST_AUTH_FAILED where it helps) */
#define SESAME_R_LOCKED         1 /* too many failures; LOCKED_UNTIL says until when */
#define SESAME_R_PPOLICY_LOCKED 2 /* the directory's ppolicy locked it (pwdAccountLockedTime) */
#define SESAME_R_DISABLED       3 /* sesameDisabled */
#define SESAME_R_EXPIRED        4 /* shadowExpire is past */
#define SESAME_R_UNCONFIRMED    5 /* email not confirmed and [auth] require_confirmed_email */
#define SESAME_R_ROLE           6 /* lacks a role the service requires */
#define SESAME_R_NO_TOTP        7 /* TOTP_MODE required but no seed enrolled */
#define SESAME_R_CODE_NEEDED    8 /* (AUTH_FAILED) the account has TOTP and no code was given */
#define SESAME_R_TOKEN          9 /* not a live token: unknown, tampered, expired, spent, or made
                                   * for another purpose (which one is not told) */
#define SESAME_R_MUST_CHANGE    10 /* (ACCOUNT) the directory's policy wants a new password now (pwdReset) */
#define SESAME_R_PASSWORD_EXPIRED 11 /* (AUTH, CHAUTHTOK) the right password, expired, no grace logins left */
#define SESAME_R_PENDING       12 /* self-registered, the address not confirmed yet (objectClass sesamePending) */
#define SESAME_R_NAME_INVALID  13 /* (WEB_REGISTER) not a user name that may be registered */
#define SESAME_R_NAME_TAKEN    14 /* (WEB_REGISTER) an account (or a local one) has that name */
#define SESAME_R_MAIL_INVALID  15 /* (WEB_REGISTER) not the shape of a mail address */

/* TOTP_MODE values */
#define SESAME_TOTP_OFF      0 /* no code is checked */
#define SESAME_TOTP_OPTIONAL 1 /* a code is checked when the account has a seed */
#define SESAME_TOTP_REQUIRED 2 /* no seed: refused (R_NO_TOTP) */

/* TOTP_ALG values */
#define SESAME_ALG_SHA1   0
#define SESAME_ALG_SHA256 1
#define SESAME_ALG_SHA512 2

/* ACTION values */
#define SESAME_SESSION_OPEN  1
#define SESAME_SESSION_CLOSE 2

/* FLAGS bits (ANS_USERINFO) */
#define SESAME_UF_CONFIRMED      (1u << 0)
#define SESAME_UF_LOCKED         (1u << 1)
#define SESAME_UF_PPOLICY_LOCKED (1u << 2)
#define SESAME_UF_TOTP           (1u << 3) /* an active seed */
#define SESAME_UF_TOTP_PENDING   (1u << 4) /* enrolled, not yet activated */
#define SESAME_UF_DISABLED       (1u << 5)
#define SESAME_UF_EXPIRED        (1u << 6)
/* a lock or the last TOTP step lies further ahead than any right clock
 * could have written it (ignored by the login rules) */
#define SESAME_UF_CLOCK_AHEAD    (1u << 7)
/* self-registered, the address not confirmed yet (objectClass sesamePending) */
#define SESAME_UF_PENDING        (1u << 8)

/* Codec errors: positive; system errors are reported as -errno. */
#define SESAME_E_TRUNCATED     1
#define SESAME_E_OVERSIZE      2
#define SESAME_E_SHORT         3
#define SESAME_E_VERSION       4
#define SESAME_E_OPCODE        5
#define SESAME_E_UNKNOWN_FIELD 6
#define SESAME_E_DUP_FIELD     7
#define SESAME_E_MISSING_FIELD 8
#define SESAME_E_FIELD_SIZE    9
#define SESAME_E_NUL           10
#define SESAME_E_UTF8          11
#define SESAME_E_TRAILING      12
#define SESAME_E_EOF           13
#define SESAME_E_FULL          14 /* encoder: the field does not fit the frame */
#define SESAME_E_UNEXPECTED    15 /* client: a valid frame the request is not answered with */

#endif
