/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pam_sesame.so - PAM login with the LDAP password and a TOTP code,
 * verified by sesamed over SESAME_RUNDIR/pam.sock (see pam_sesame(8)).
 *
 * A thin client: libc, libpam and libsesame-common only.  It never talks
 * LDAP and holds no state between calls (it may be loaded into threaded
 * programs); the only static is the pthread_once for the translation
 * binding.  It never calls setlocale(): the application's locale decides
 * the language of prompts and messages.
 *
 * Every request is one connection: connect, check that the socket and
 * the process answering on it belong to root, send one frame, read the
 * answer (ANS_USER? END) — all before one deadline (timeout=, default
 * 10 s).  Passwords and codes are wiped from every buffer the module owns
 * (conversation answers, the request frame) as soon as they are sent.
 */
#include <errno.h>
#include <libintl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "config.h"
#include "client.h"
#include "macro.h"
#include "pam_args.h"
#include "proto.h"
#include "util.h"

#define PAM_SOCKET SESAME_RUNDIR "/pam.sock"
_Static_assert(sizeof(PAM_SOCKET) <= sizeof(((struct sockaddr_un *)0)->sun_path), "SESAME_RUNDIR is too long");

/* ------------------------------------------------------ translations */

static pthread_once_t textdomain_once = PTHREAD_ONCE_INIT;

static void textdomain_init(void)
{
        (void)bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
}

__attribute__((format_arg(1))) static const char *tr(const char *s)
{
        (void)pthread_once(&textdomain_once, textdomain_init);
        return dgettext(GETTEXT_PACKAGE, s);
}
#define _(s) tr(s)

/* ------------------------------------------------------ call context */

struct ctx {
        pam_handle_t *pamh;
        int flags;
        struct pam_sesame_args args;
        const char *user;    /* PAM_USER (libpam's copy) */
        const char *service; /* PAM_SERVICE */
        const char *rhost;   /* PAM_RHOST, may be NULL */
        const char *tty;     /* PAM_TTY, may be NULL */
        char quser[160];     /* the user, quoted for the log */
        char qrhost[160];    /* the remote host, quoted for the log ("" if none) */
};

static const char *str_item(pam_handle_t *pamh, int type)
{
        const void *v = NULL;

        if (pam_get_item(pamh, type, &v) != PAM_SUCCESS)
                return NULL;
        return v;
}

static int ctx_init(struct ctx *c, pam_handle_t *pamh, int flags, int argc, const char **argv)
{
        char err[256];

        *c = (struct ctx){ .pamh = pamh, .flags = flags };
        if (pam_sesame_parse_args(argc, argv, &c->args, err, sizeof(err)) < 0) {
                pam_syslog(pamh, LOG_ERR, "%s", err);
                return PAM_SERVICE_ERR;
        }
        return PAM_SUCCESS;
}

/* PAM_USER (asking for it if the application did not set it), and the
 * items every request carries. */
static int ctx_user(struct ctx *c)
{
        const char *user = NULL;
        int r = pam_get_user(c->pamh, &user, NULL);

        if (r == PAM_CONV_AGAIN)
                return PAM_INCOMPLETE;
        if (r != PAM_SUCCESS) {
                pam_syslog(c->pamh, LOG_NOTICE, "cannot get the user name: %s", pam_strerror(c->pamh, r));
                return r;
        }
        if (!user || !*user)
                return PAM_USER_UNKNOWN;
        c->user = user;
        (void)str_quote(user, 100, c->quser, sizeof(c->quser));
        c->service = str_item(c->pamh, PAM_SERVICE);
        if (!c->service)
                c->service = "";
        c->rhost = str_item(c->pamh, PAM_RHOST);
        if (c->rhost && *c->rhost)
                (void)str_quote(c->rhost, 100, c->qrhost, sizeof(c->qrhost));
        c->tty = str_item(c->pamh, PAM_TTY);
        return PAM_SUCCESS;
}

#define debug(c, ...)                                                \
        do {                                                         \
                if ((c)->args.debug)                                 \
                        pam_syslog((c)->pamh, LOG_DEBUG, __VA_ARGS__); \
        } while (0)

/* An error message for the person, unless the application asked for
 * silence. */
static void say(const struct ctx *c, const char *msg)
{
        if (!(c->flags & PAM_SILENT) && msg && *msg)
                (void)pam_error(c->pamh, "%s", msg);
}

/* Ask without echo; *ret is a malloc'd string (never NULL) on success. */
static int ask(const struct ctx *c, const char *prompt, char **ret)
{
        char *resp = NULL;
        int r = pam_prompt(c->pamh, PAM_PROMPT_ECHO_OFF, &resp, "%s", prompt);

        if (r != PAM_SUCCESS) {
                resp = erase_and_free(resp);
                if (r == PAM_CONV_AGAIN)
                        return PAM_INCOMPLETE;
                pam_syslog(c->pamh, LOG_NOTICE, "conversation failed: %s", pam_strerror(c->pamh, r));
                return r == PAM_BUF_ERR ? r : PAM_CONV_ERR;
        }
        if (!resp) {
                resp = strdup("");
                if (!resp)
                        return PAM_BUF_ERR;
        }
        *ret = resp;
        return PAM_SUCCESS;
}

/* A stacked token (PAM_AUTHTOK, PAM_OLDAUTHTOK), NULL if none or empty. */
static const char *stacked(const struct ctx *c, int item)
{
        const char *s = str_item(c->pamh, item);

        return s && *s ? s : NULL;
}

/* ------------------------------------------------------ talking to sesamed */

/* The socket is there and root's (not a symlink): 0, or -errno (logged).
 * A cheap early test, so nobody types secrets for nothing; the full
 * checks come with the connection. */
static int check_socket(const struct ctx *c)
{
        struct stat st;

        if (lstat(PAM_SOCKET, &st) < 0) {
                int r = -errno;
                pam_syslog(c->pamh, LOG_ERR, "cannot reach sesamed: %s: %s", PAM_SOCKET, proto_strerror(r));
                return r;
        }
        if (!S_ISSOCK(st.st_mode) || st.st_uid != 0) {
                pam_syslog(c->pamh, LOG_ERR, "refusing %s: not a socket owned by root", PAM_SOCKET);
                return -EPERM;
        }
        return 0;
}

/* A connection to pam.sock (client.h: owner and peer checked), or -errno
 * (logged). */
static int connect_daemon(const struct ctx *c, int64_t deadline)
{
        const char *why;
        int fd = client_connect(PAM_SOCKET, deadline, &why);

        if (fd >= 0)
                return fd;
        if (why)
                pam_syslog(c->pamh, LOG_ERR, "refusing %s: %s", PAM_SOCKET, why);
        else
                pam_syslog(c->pamh, LOG_ERR, "cannot reach sesamed: %s: %s", PAM_SOCKET, proto_strerror(fd));
        return fd;
}

struct answer {
        uint32_t status;
        uint32_t reason;       /* 0: none */
        uint32_t locked_until; /* 0: none */
        char message[SESAME_TEXT_MAX + 1];
        char user[SESAME_NAME_MAX + 1]; /* ANS_USER with an OK status, else "" */
};

/*
 * Send @frame and read the answer into @ans: ANS_USER (only if
 * @user_ok, at most once) then END.  Returns 0, or -errno when sesamed
 * could not be asked (no socket, not root's, timeout, a bad answer); that
 * is logged here.
 */
static int transact(const struct ctx *c, const uint8_t *frame, size_t len, bool user_ok, struct answer *ans)
{
        int64_t deadline = now_ms() + (int64_t)c->args.timeout_s * 1000;
        _cleanup_close_ int fd = -1;
        _cleanup_free_ uint8_t *buf = NULL;
        struct proto_msg m;
        struct proto_field f;
        int r;

        *ans = (struct answer){ .status = SESAME_ST_INTERNAL };
        buf = malloc(SESAME_BUF_MAX);
        if (!buf)
                return -ENOMEM;
        fd = connect_daemon(c, deadline);
        if (fd < 0)
                return fd;
        r = proto_send(fd, frame, len, deadline);
        if (r != 0)
                goto fail;
        for (;;) {
                r = proto_recv(fd, buf, SESAME_BUF_MAX, &m, deadline);
                if (r != 0)
                        goto fail;
                if (m.opcode == SESAME_ANS_END)
                        break;
                if (m.opcode != SESAME_ANS_USER || !user_ok || ans->user[0] ||
                    !proto_find(&m, SESAME_F_NAME, &f) || f.len == 0 ||
                    proto_field_str(&f, ans->user, sizeof(ans->user)) < 0) {
                        pam_syslog(c->pamh, LOG_ERR, "unexpected answer from sesamed (opcode 0x%04x)",
                                   (unsigned)m.opcode);
                        return -EPROTO;
                }
        }
        ans->status = proto_get_u32(&m, SESAME_F_STATUS, SESAME_ST_INTERNAL);
        ans->reason = proto_get_u32(&m, SESAME_F_REASON, 0);
        ans->locked_until = proto_get_u32(&m, SESAME_F_LOCKED_UNTIL, 0);
        if (proto_find(&m, SESAME_F_MESSAGE, &f))
                (void)proto_field_str(&f, ans->message, sizeof(ans->message));
        /* data before an END that is not OK is discarded */
        if (ans->status != SESAME_ST_OK)
                ans->user[0] = '\0';
        debug(c, "sesamed answered status %u reason %u for %s", ans->status, ans->reason, c->quser);
        return 0;
fail:
        pam_syslog(c->pamh, LOG_ERR, "no answer from sesamed on %s: %s", PAM_SOCKET, proto_strerror(r));
        return r < 0 ? r : -EPROTO;
}

/*
 * A request frame in a heap buffer that is wiped when freed (it may hold
 * a password).  Field errors are kept per field by the callers, which
 * know what a bad value means (an impossible user, a wrong password).
 */
struct request {
        uint8_t *buf;
        struct proto_writer w;
        size_t len;
};

static int req_begin(struct request *q, uint16_t opcode)
{
        q->buf = malloc(SESAME_BUF_MAX);
        if (!q->buf)
                return PAM_BUF_ERR;
        proto_begin(&q->w, q->buf, SESAME_BUF_MAX, opcode);
        return PAM_SUCCESS;
}

static void req_free(struct request *q)
{
        if (q->buf) {
                erase(q->buf, SESAME_BUF_MAX);
                free(q->buf);
                q->buf = NULL;
        }
}

/* LOGIN and SERVICE; a login the protocol cannot carry (too long, not
 * UTF-8) cannot name an account: PAM_USER_UNKNOWN. */
static int req_login_service(const struct ctx *c, struct request *q)
{
        if (proto_put_str(&q->w, SESAME_F_LOGIN, c->user) != 0) {
                pam_syslog(c->pamh, LOG_NOTICE, "user name %s is not a possible Sesame login", c->quser);
                return PAM_USER_UNKNOWN;
        }
        if (proto_put_str(&q->w, SESAME_F_SERVICE, c->service) != 0) {
                pam_syslog(c->pamh, LOG_ERR, "PAM service name cannot be sent");
                return PAM_SERVICE_ERR;
        }
        return PAM_SUCCESS;
}

/* RHOST, TTY: informational; one the protocol cannot carry is left out. */
static void req_optional(const struct ctx *c, struct request *q, uint16_t tag, const char *s)
{
        if (s && *s && proto_put_str(&q->w, tag, s) != 0)
                debug(c, "field %u left out of the request (too long or not UTF-8)", (unsigned)tag);
}

static int req_roles(const struct ctx *c, struct request *q)
{
        for (size_t i = 0; i < c->args.n_roles; i++)
                if (proto_put_strn(&q->w, SESAME_F_ROLE, c->args.roles[i].name, c->args.roles[i].len) != 0)
                        return PAM_SERVICE_ERR;
        return PAM_SUCCESS;
}

static int req_end(const struct ctx *c, struct request *q)
{
        int r = proto_end(&q->w, &q->len);

        if (r != 0) {
                pam_syslog(c->pamh, LOG_ERR, "cannot build the request: %s", proto_strerror(r));
                return PAM_SERVICE_ERR;
        }
        return PAM_SUCCESS;
}

/* ------------------------------------------------------ messages */

static const char *reason_name(uint32_t reason)
{
        switch (reason) {
        case SESAME_R_LOCKED: return "locked after failures";
        case SESAME_R_PPOLICY_LOCKED: return "locked by the password policy";
        case SESAME_R_DISABLED: return "disabled";
        case SESAME_R_EXPIRED: return "expired";
        case SESAME_R_UNCONFIRMED: return "email not confirmed";
        case SESAME_R_ROLE: return "lacks the required role";
        case SESAME_R_NO_TOTP: return "TOTP required but not enrolled";
        case SESAME_R_CODE_NEEDED: return "verification code needed";
        default: return "no reason given";
        }
}

/* "14:05" today, else "2024-05-17 14:05", in the local time zone. */
static void format_time(uint32_t t, char *buf, size_t size)
{
        time_t when = (time_t)t, now = time(NULL);
        struct tm tw, tn;

        if (!localtime_r(&when, &tw) || !localtime_r(&now, &tn) ||
            strftime(buf, size, tw.tm_year == tn.tm_year && tw.tm_yday == tn.tm_yday ? "%H:%M" : "%Y-%m-%d %H:%M",
                     &tw) == 0)
                (void)snprintf(buf, size, "%u", t);
}

/* Why sesamed refused the account (or the code), for the person. */
static void say_reason(const struct ctx *c, const struct answer *a)
{
        char buf[SESAME_TEXT_MAX + 128], when[64];
        const char *msg;

        switch (a->reason) {
        case SESAME_R_LOCKED:
                if (a->locked_until) {
                        format_time(a->locked_until, when, sizeof(when));
                        (void)snprintf(buf, sizeof(buf),
                                       /* TRANSLATORS: %s is a time ("14:05") or a date and
                                        * time ("2024-05-17 14:05") */
                                       _("Your account is locked until %s after too many failed attempts."), when);
                        msg = buf;
                } else
                        msg = _("Your account is locked after too many failed attempts.");
                break;
        case SESAME_R_PPOLICY_LOCKED:
                msg = _("Your account is locked by the password policy.");
                break;
        case SESAME_R_DISABLED:
                msg = _("Your account has been disabled.");
                break;
        case SESAME_R_EXPIRED:
                msg = _("Your account has expired.");
                break;
        case SESAME_R_UNCONFIRMED:
                msg = _("Please confirm your email address before logging in.");
                break;
        case SESAME_R_ROLE:
                msg = _("You do not have the role this service requires.");
                break;
        case SESAME_R_NO_TOTP:
                msg = _("Two-factor authentication is required but not set up for your account.");
                break;
        default:
                msg = a->message[0] ? a->message : _("Your account may not log in now.");
                break;
        }
        say(c, msg);
}

/* One log line for an answer that is not OK. */
static void log_answer(const struct ctx *c, const char *phase, const struct answer *a)
{
        switch (a->status) {
        case SESAME_ST_OK:
                break;
        case SESAME_ST_NOTFOUND:
                debug(c, "%s: %s is not a Sesame user", phase, c->quser);
                break;
        case SESAME_ST_AUTH_FAILED:
                pam_syslog(c->pamh, LOG_NOTICE, "%s: authentication failure for %s%s%s%s%s%s", phase, c->quser,
                           c->qrhost[0] ? " from " : "", c->qrhost, a->reason ? " (" : "",
                           a->reason ? reason_name(a->reason) : "", a->reason ? ")" : "");
                break;
        case SESAME_ST_REFUSED:
                pam_syslog(c->pamh, LOG_NOTICE, "%s: %s may not log in: %s", phase, c->quser,
                           reason_name(a->reason));
                break;
        case SESAME_ST_BAD_PASSWORD:
                pam_syslog(c->pamh, LOG_NOTICE, "%s: new password for %s breaks the password rules", phase,
                           c->quser);
                break;
        case SESAME_ST_UNAVAIL:
                pam_syslog(c->pamh, LOG_ERR, "%s: sesamed cannot reach the directory", phase);
                break;
        case SESAME_ST_DENIED:
                pam_syslog(c->pamh, LOG_ERR, "%s: sesamed denied the request for %s (uid %u may act only on "
                           "its own account)", phase, c->quser, (unsigned)getuid());
                break;
        default:
                pam_syslog(c->pamh, LOG_ERR, "%s: sesamed failed (status %u)%s%s", phase, a->status,
                           a->message[0] ? ": " : "", a->message);
                break;
        }
}

/* ------------------------------------------------------ auth */

static int auth_map(const struct ctx *c, const struct answer *a)
{
        switch (a->status) {
        case SESAME_ST_OK:
                return PAM_SUCCESS;
        case SESAME_ST_NOTFOUND:
                return PAM_USER_UNKNOWN;
        case SESAME_ST_UNAVAIL:
                return PAM_AUTHINFO_UNAVAIL;
        case SESAME_ST_AUTH_FAILED:
                /* no reason shown: "a code is needed" would tell whoever
                 * guessed that the password was right */
                return PAM_AUTH_ERR;
        case SESAME_ST_REFUSED:
                say_reason(c, a);
                return a->reason == SESAME_R_LOCKED || a->reason == SESAME_R_PPOLICY_LOCKED ? PAM_MAXTRIES
                                                                                            : PAM_AUTH_ERR;
        case SESAME_ST_DENIED:
                return PAM_PERM_DENIED;
        default:
                return PAM_SERVICE_ERR;
        }
}

static int auth_request(const struct ctx *c, const char *password, const char *code, struct answer *ans)
{
        struct request q = { 0 };
        int r = req_begin(&q, SESAME_REQ_AUTH);

        if (r != PAM_SUCCESS)
                return r;
        r = req_login_service(c, &q);
        if (r == PAM_SUCCESS && proto_put_str(&q.w, SESAME_F_PASSWORD, password) != 0) {
                pam_syslog(c->pamh, LOG_NOTICE, "auth: password of %s is not valid UTF-8", c->quser);
                r = PAM_AUTH_ERR;
        }
        if (r == PAM_SUCCESS && code && *code && proto_put_str(&q.w, SESAME_F_CODE, code) != 0) {
                pam_syslog(c->pamh, LOG_NOTICE, "auth: verification code of %s is not valid UTF-8", c->quser);
                r = PAM_AUTH_ERR;
        }
        if (r == PAM_SUCCESS) {
                req_optional(c, &q, SESAME_F_RHOST, c->rhost);
                req_optional(c, &q, SESAME_F_TTY, c->tty);
                if (proto_put_u32(&q.w, SESAME_F_TOTP_MODE, c->args.totp_mode) != 0)
                        r = PAM_SERVICE_ERR;
        }
        if (r == PAM_SUCCESS)
                r = req_roles(c, &q);
        if (r == PAM_SUCCESS)
                r = req_end(c, &q);
        if (r == PAM_SUCCESS) {
                debug(c, "auth: asking sesamed about %s (service %s, totp mode %u, %zu roles, code %s)", c->quser,
                      c->service, c->args.totp_mode, c->args.n_roles, code && *code ? "given" : "not given");
                int t = transact(c, q.buf, q.len, true, ans);
                if (t == -ENOMEM)
                        r = PAM_BUF_ERR;
                else if (t < 0)
                        r = PAM_AUTHINFO_UNAVAIL;
                else {
                        log_answer(c, "auth", ans);
                        r = auth_map(c, ans);
                }
        }
        req_free(&q);
        return r;
}

_public_ int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
        _cleanup_erase_ char *password = NULL;
        _cleanup_erase_ char *code = NULL;
        struct answer ans;
        struct ctx c;
        const char *pw = NULL;
        int r;

        r = ctx_init(&c, pamh, flags, argc, argv);
        if (r != PAM_SUCCESS)
                return r;
        r = ctx_user(&c);
        if (r != PAM_SUCCESS)
                return r;
        /* no sesamed: say so at once instead of asking for secrets first */
        if (check_socket(&c) < 0)
                return PAM_AUTHINFO_UNAVAIL;

        if (c.args.use_first_pass || c.args.try_first_pass) {
                pw = stacked(&c, PAM_AUTHTOK);
                if (!pw && c.args.use_first_pass) {
                        pam_syslog(pamh, LOG_ERR, "use_first_pass: no password from an earlier module");
                        return PAM_AUTH_ERR;
                }
        }
        if (!pw) {
                r = ask(&c, c.args.password_prompt ? c.args.password_prompt : _("Password: "), &password);
                if (r != PAM_SUCCESS)
                        return r;
                pw = password;
        }
        if (c.args.totp_mode != SESAME_TOTP_OFF) {
                r = ask(&c, c.args.code_prompt ? c.args.code_prompt : _("Verification code: "), &code);
                if (r != PAM_SUCCESS)
                        return r;
        }
        /* refused, never truncated: a truncated secret is another secret */
        if (strlen(pw) > SESAME_PASSWORD_MAX) {
                pam_syslog(pamh, LOG_NOTICE, "auth: password of %s is longer than %d bytes", c.quser,
                           SESAME_PASSWORD_MAX);
                return PAM_AUTH_ERR;
        }
        if (code && strlen(code) > SESAME_CODE_MAX) {
                pam_syslog(pamh, LOG_NOTICE, "auth: verification code of %s is longer than %d bytes", c.quser,
                           SESAME_CODE_MAX);
                return PAM_AUTH_ERR;
        }

        r = auth_request(&c, pw, code, &ans);
        code = erase_and_free(code);
        if (r != PAM_SUCCESS)
                return r;

        /* later phases and modules see the canonical name */
        if (ans.user[0] && strcmp(ans.user, c.user) != 0) {
                debug(&c, "auth: %s is %s", c.quser, ans.user);
                r = pam_set_item(pamh, PAM_USER, ans.user);
                c.user = NULL; /* libpam freed it */
                if (r != PAM_SUCCESS)
                        return r;
        }
        /* for use_first_pass in the modules after this one (not the code) */
        if (password) {
                r = pam_set_item(pamh, PAM_AUTHTOK, password);
                if (r != PAM_SUCCESS)
                        return r;
        }
        return PAM_SUCCESS;
}

_public_ int pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
        struct ctx c;

        return ctx_init(&c, pamh, flags, argc, argv);
}

/* ------------------------------------------------------ account */

static int account_map(const struct ctx *c, const struct answer *a)
{
        switch (a->status) {
        case SESAME_ST_OK:
                return PAM_SUCCESS;
        case SESAME_ST_NOTFOUND:
                return PAM_USER_UNKNOWN;
        case SESAME_ST_REFUSED:
                say_reason(c, a);
                return a->reason == SESAME_R_EXPIRED ? PAM_ACCT_EXPIRED : PAM_PERM_DENIED;
        case SESAME_ST_UNAVAIL:
                return PAM_AUTHINFO_UNAVAIL;
        case SESAME_ST_DENIED:
                return PAM_PERM_DENIED;
        default:
                return PAM_SERVICE_ERR;
        }
}

_public_ int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
        struct request q = { 0 };
        struct answer ans;
        struct ctx c;
        int r;

        r = ctx_init(&c, pamh, flags, argc, argv);
        if (r != PAM_SUCCESS)
                return r;
        r = ctx_user(&c);
        if (r != PAM_SUCCESS)
                return r;
        r = req_begin(&q, SESAME_REQ_ACCOUNT);
        if (r != PAM_SUCCESS)
                return r;
        r = req_login_service(&c, &q);
        if (r == PAM_SUCCESS)
                r = req_roles(&c, &q);
        if (r == PAM_SUCCESS) {
                req_optional(&c, &q, SESAME_F_RHOST, c.rhost);
                r = req_end(&c, &q);
        }
        if (r == PAM_SUCCESS) {
                int t = transact(&c, q.buf, q.len, true, &ans);
                if (t == -ENOMEM)
                        r = PAM_BUF_ERR;
                else if (t < 0)
                        r = PAM_AUTHINFO_UNAVAIL;
                else {
                        log_answer(&c, "account", &ans);
                        r = account_map(&c, &ans);
                }
        }
        req_free(&q);
        return r;
}

/* ------------------------------------------------------ session */

static int session(pam_handle_t *pamh, int flags, int argc, const char **argv, uint32_t action)
{
        struct request q = { 0 };
        struct answer ans;
        struct ctx c;
        int r;

        r = ctx_init(&c, pamh, flags, argc, argv);
        if (r != PAM_SUCCESS)
                return r;
        r = ctx_user(&c);
        if (r == PAM_USER_UNKNOWN)
                return PAM_IGNORE;
        if (r != PAM_SUCCESS)
                return PAM_SESSION_ERR;
        r = req_begin(&q, SESAME_REQ_SESSION);
        if (r != PAM_SUCCESS)
                return r;
        r = req_login_service(&c, &q);
        if (r == PAM_SUCCESS && proto_put_u32(&q.w, SESAME_F_ACTION, action) != 0)
                r = PAM_SERVICE_ERR;
        if (r == PAM_SUCCESS) {
                req_optional(&c, &q, SESAME_F_RHOST, c.rhost);
                req_optional(&c, &q, SESAME_F_TTY, c.tty);
                r = req_end(&c, &q);
        }
        if (r == PAM_SUCCESS) {
                const char *phase = action == SESAME_SESSION_OPEN ? "open_session" : "close_session";

                if (transact(&c, q.buf, q.len, false, &ans) < 0)
                        r = PAM_SESSION_ERR;
                else {
                        log_answer(&c, phase, &ans);
                        r = ans.status == SESAME_ST_OK         ? PAM_SUCCESS
                            : ans.status == SESAME_ST_NOTFOUND ? PAM_IGNORE
                                                               : PAM_SESSION_ERR;
                }
        } else if (r == PAM_USER_UNKNOWN)
                r = PAM_IGNORE;
        else
                r = PAM_SESSION_ERR;
        req_free(&q);
        return r;
}

_public_ int pam_sm_open_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
        return session(pamh, flags, argc, argv, SESAME_SESSION_OPEN);
}

_public_ int pam_sm_close_session(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
        return session(pamh, flags, argc, argv, SESAME_SESSION_CLOSE);
}

/* ------------------------------------------------------ chauthtok */

static int chauthtok_map(const struct ctx *c, const struct answer *a)
{
        switch (a->status) {
        case SESAME_ST_OK:
                return PAM_SUCCESS;
        case SESAME_ST_AUTH_FAILED:
                return PAM_AUTH_ERR;
        case SESAME_ST_BAD_PASSWORD:
                say(c, a->message[0] ? a->message : _("The new password does not meet the password rules."));
                return PAM_AUTHTOK_ERR;
        case SESAME_ST_NOTFOUND:
                return PAM_USER_UNKNOWN;
        case SESAME_ST_UNAVAIL:
                return PAM_AUTHINFO_UNAVAIL;
        case SESAME_ST_REFUSED:
                say_reason(c, a);
                return PAM_PERM_DENIED;
        case SESAME_ST_DENIED:
                return PAM_PERM_DENIED;
        default:
                return PAM_AUTHTOK_ERR;
        }
}

/* REQ_CHAUTHTOK: verify @old (no @new), or change it to @new. */
static int chauthtok_request(const struct ctx *c, const char *old, const char *new)
{
        struct request q = { 0 };
        struct answer ans;
        int r = req_begin(&q, SESAME_REQ_CHAUTHTOK);

        if (r != PAM_SUCCESS)
                return r;
        r = req_login_service(c, &q);
        if (r == PAM_SUCCESS && proto_put_str(&q.w, SESAME_F_PASSWORD, old) != 0) {
                pam_syslog(c->pamh, LOG_NOTICE, "chauthtok: current password of %s is not valid UTF-8", c->quser);
                r = PAM_AUTH_ERR;
        }
        if (r == PAM_SUCCESS && new && proto_put_str(&q.w, SESAME_F_NEWPASSWORD, new) != 0) {
                say(c, _("The new password contains characters that cannot be used."));
                r = PAM_AUTHTOK_ERR;
        }
        if (r == PAM_SUCCESS)
                r = req_end(c, &q);
        if (r == PAM_SUCCESS) {
                debug(c, "chauthtok: %s password of %s", new ? "changing the" : "verifying the current",
                      c->quser);
                int t = transact(c, q.buf, q.len, false, &ans);
                if (t == -ENOMEM)
                        r = PAM_BUF_ERR;
                else if (t < 0)
                        r = PAM_AUTHINFO_UNAVAIL;
                else {
                        log_answer(c, "chauthtok", &ans);
                        r = chauthtok_map(c, &ans);
                }
        }
        req_free(&q);
        return r;
}

/* Is sesamed there to take a password change? */
static int chauthtok_prelim(const struct ctx *c)
{
        uint8_t frame[64];
        struct proto_writer w;
        struct answer ans;
        size_t len;

        proto_begin(&w, frame, sizeof(frame), SESAME_REQ_PING);
        if (proto_end(&w, &len) != 0)
                return PAM_SERVICE_ERR;
        if (transact(c, frame, len, false, &ans) < 0)
                return PAM_TRY_AGAIN;
        if (ans.status != SESAME_ST_OK) {
                log_answer(c, "chauthtok", &ans);
                return PAM_TRY_AGAIN;
        }
        return PAM_SUCCESS;
}

/* The new password: stacked (use_authtok, use_first_pass, try_first_pass)
 * or asked twice.  *asked is set when it was asked (the caller owns it). */
static int new_password(const struct ctx *c, const char **ret, char **asked)
{
        _cleanup_erase_ char *first = NULL;
        _cleanup_erase_ char *again = NULL;
        const char *s = NULL;
        int r;

        if (c->args.use_authtok || c->args.use_first_pass || c->args.try_first_pass)
                s = stacked(c, PAM_AUTHTOK);
        if (!s && c->args.use_authtok) {
                pam_syslog(c->pamh, LOG_ERR, "use_authtok: no new password from an earlier module");
                return PAM_AUTHTOK_ERR;
        }
        if (s) {
                *ret = s;
                return PAM_SUCCESS;
        }
        r = ask(c, _("New password: "), &first);
        if (r != PAM_SUCCESS)
                return r;
        if (!*first) {
                say(c, _("No password has been supplied."));
                return PAM_AUTHTOK_ERR;
        }
        r = ask(c, _("Retype new password: "), &again);
        if (r != PAM_SUCCESS)
                return r;
        if (strcmp(first, again) != 0) {
                say(c, _("Sorry, passwords do not match."));
                return PAM_AUTHTOK_ERR;
        }
        *asked = steal_pointer(&first);
        *ret = *asked;
        return PAM_SUCCESS;
}

_public_ int pam_sm_chauthtok(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
        _cleanup_erase_ char *old_asked = NULL;
        _cleanup_erase_ char *new_asked = NULL;
        const char *old = NULL, *new = NULL;
        struct ctx c;
        int r;

        r = ctx_init(&c, pamh, flags, argc, argv);
        if (r != PAM_SUCCESS)
                return r;
        if (flags & PAM_PRELIM_CHECK)
                return chauthtok_prelim(&c);
        if (!(flags & PAM_UPDATE_AUTHTOK))
                return PAM_SERVICE_ERR;
        r = ctx_user(&c);
        if (r != PAM_SUCCESS)
                return r;

        /* sesamed changes the password as the user (Password Modify with
         * the old one), so the current password is needed even for root */
        if (c.args.use_first_pass || c.args.try_first_pass) {
                old = stacked(&c, PAM_OLDAUTHTOK);
                if (!old && c.args.use_first_pass) {
                        pam_syslog(pamh, LOG_ERR, "use_first_pass: no current password from an earlier module");
                        return PAM_AUTH_ERR;
                }
        }
        if (!old) {
                r = ask(&c, _("Current password: "), &old_asked);
                if (r != PAM_SUCCESS)
                        return r;
                old = old_asked;
        }
        if (strlen(old) > SESAME_PASSWORD_MAX) {
                pam_syslog(pamh, LOG_NOTICE, "chauthtok: current password of %s is longer than %d bytes", c.quser,
                           SESAME_PASSWORD_MAX);
                return PAM_AUTH_ERR;
        }
        r = chauthtok_request(&c, old, NULL);
        if (r != PAM_SUCCESS)
                return r;
        if (old_asked) {
                r = pam_set_item(pamh, PAM_OLDAUTHTOK, old_asked);
                if (r != PAM_SUCCESS)
                        return r;
        }

        r = new_password(&c, &new, &new_asked);
        if (r != PAM_SUCCESS)
                return r;
        if (strlen(new) > SESAME_PASSWORD_MAX) {
                say(&c, _("The new password is too long."));
                return PAM_AUTHTOK_ERR;
        }
        r = chauthtok_request(&c, old, new);
        if (r != PAM_SUCCESS)
                return r;
        pam_syslog(pamh, LOG_INFO, "password changed for %s", c.quser);
        if (new_asked)
                return pam_set_item(pamh, PAM_AUTHTOK, new_asked);
        return PAM_SUCCESS;
}
