/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * pam_sesame.so - PAM login with the LDAP password and a TOTP code,
 * verified by sesamed over SESAME_RUNDIR/pam.sock (see pam_sesame(8)).
 *
 * A thin client: libc, libpam and libsesame-common only.  It never talks
 * LDAP and holds no state of its own between calls (it may be loaded into
 * threaded programs): the one thing it leaves between two calls is AUTH's
 * connection to sesamed, on the PAM handle (pam_set_data()), for that
 * handle's ACCOUNT; the only static is the pthread_once for the
 * translation binding.  It never calls setlocale(): the application's locale decides
 * the language of prompts and messages.
 *
 * This file holds the PAM phases and the conversation; every request is
 * one connection to sesamed (pam_request.c), but for the ACCOUNT request
 * that follows a successful AUTH on the same handle, which goes on AUTH's
 * connection; all the requests of one PAM call share one deadline,
 * timeout= (the conversation's time aside).
 * Passwords and codes are wiped from every buffer the module owns
 * (conversation answers, the request frame) as soon as they are sent.
 */
#include <errno.h>
#include <libintl.h>
#include <pthread.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <security/pam_ext.h>
#include <security/pam_modules.h>

#include "config.h"
#include "macro.h"
#include "pam_args.h"
#include "pam_request.h"
#include "proto.h"
#include "util.h"

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
        /* once per entry point: the bound of the whole call */
        c->deadline = now_ms() + (int64_t)c->args.timeout_s * 1000;
        return PAM_SUCCESS;
}

/* The conversation that began at @since waited on the person, not on
 * sesamed: it does not count against the call's deadline. */
static void conversed(struct ctx *c, int64_t since)
{
        c->deadline += now_ms() - since;
}

/* PAM_USER (asking for it if the application did not set it), and the
 * items every request carries. */
static int ctx_user(struct ctx *c)
{
        const char *user = NULL;
        int64_t since = now_ms();
        int r = pam_get_user(c->pamh, &user, NULL);

        conversed(c, since); /* it may have asked for the name */
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

/* An error message for the person, unless the application asked for
 * silence. */
static void say(const struct ctx *c, const char *msg)
{
        if (!(c->flags & PAM_SILENT) && msg && *msg)
                (void)pam_error(c->pamh, "%s", msg);
}

/* Ask without echo; *ret is a malloc'd string (never NULL) on success. */
static int ask(struct ctx *c, const char *prompt, char **ret)
{
        char *resp = NULL;
        int64_t since = now_ms();
        int r = pam_prompt(c->pamh, PAM_PROMPT_ECHO_OFF, &resp, "%s", prompt);

        conversed(c, since);
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
        case SESAME_R_MUST_CHANGE: return "must change the password";
        case SESAME_R_PASSWORD_EXPIRED: return "password expired";
        case SESAME_R_PENDING: return "registration not confirmed";
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
static void say_reason(const struct ctx *c, const struct call_end *a)
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
        case SESAME_R_MUST_CHANGE:
                msg = _("You must change your password now.");
                break;
        case SESAME_R_PASSWORD_EXPIRED:
                msg = _("Your password has expired; ask an administrator to reset it.");
                break;
        case SESAME_R_PENDING:
                msg = _("Your account is not active yet: open the link in the mail we sent to confirm your "
                        "email address.");
                break;
        default:
                msg = a->message[0] ? a->message : _("Your account may not log in now.");
                break;
        }
        say(c, msg);
}

/* One log line for an answer that is not OK. */
static void log_answer(const struct ctx *c, const char *phase, const struct call_end *a)
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

static int auth_map(const struct ctx *c, const struct call_end *a)
{
        switch (a->status) {
        case SESAME_ST_OK:
                /* what the directory's password policy has to say (grace
                 * logins left) */
                if (a->message[0])
                        say(c, a->message);
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

/* REQ_AUTH; on success @user holds the canonical name sesamed sent, or "". */
static int auth_request(const struct ctx *c, const char *password, const char *code, char *user)
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
                struct call_end ans;
                int t = pam_call_keep(c, &q.w, user, &ans);
                if (t == -ENOMEM)
                        r = PAM_BUF_ERR;
                else if (t < 0)
                        r = PAM_AUTHINFO_UNAVAIL;
                else {
                        log_answer(c, "auth", &ans);
                        r = auth_map(c, &ans);
                }
        }
        req_free(&q);
        return r;
}

_public_ int pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
        _cleanup_erase_ char *password = NULL;
        _cleanup_erase_ char *code = NULL;
        char user[SESAME_NAME_MAX + 1];
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

        r = auth_request(&c, pw, code, user);
        code = erase_and_free(code);
        if (r != PAM_SUCCESS)
                return r;

        /* later phases and modules see the canonical name */
        if (user[0] && strcmp(user, c.user) != 0) {
                debug(&c, "auth: %s is %s", c.quser, user);
                r = pam_set_item(pamh, PAM_USER, user);
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

/*
 * sesamed runs but cannot tell whether the account may log in (the
 * directory is down or slow, sesamed is overloaded): refuse.  NSS may
 * still answer from its cache, and a public-key login, which has only
 * this phase, must not let a disabled account in while LDAP is away.
 */
static int account_unchecked(const struct ctx *c)
{
        say(c, _("Your account cannot be checked right now; please try again later."));
        return PAM_PERM_DENIED;
}

/*
 * Is @user in /etc/passwd itself?  Read from the file, not through NSS:
 * with sesamed stopped a directory account may still resolve (through
 * nscd's cache, say), and only the file tells a local account from it.
 */
static bool local_account(const char *user)
{
        FILE *f = fopen("/etc/passwd", "re");
        struct passwd pwbuf, *pw;
        char buf[4096];
        bool found = false;

        if (!f)
                return false;
        /* fgetpwent_r: the application may have threads.  It stops at a
         * line too long for @buf (ERANGE) too: what is not read is not
         * local, which refuses rather than admits */
        while (fgetpwent_r(f, &pwbuf, buf, sizeof(buf), &pw) == 0)
                if (strcmp(pw->pw_name, user) == 0) {
                        found = true;
                        break;
                }
        (void)fclose(f);
        return found;
}

static int account_map(const struct ctx *c, const struct call_end *a)
{
        switch (a->status) {
        case SESAME_ST_OK:
                return PAM_SUCCESS;
        case SESAME_ST_NOTFOUND:
                return PAM_USER_UNKNOWN;
        case SESAME_ST_REFUSED:
                say_reason(c, a);
                if (a->reason == SESAME_R_MUST_CHANGE)
                        return PAM_NEW_AUTHTOK_REQD; /* sshd and login run passwd */
                return a->reason == SESAME_R_EXPIRED ? PAM_ACCT_EXPIRED : PAM_PERM_DENIED;
        case SESAME_ST_UNAVAIL:
                return account_unchecked(c);
        case SESAME_ST_DENIED:
                return PAM_PERM_DENIED;
        default:
                return PAM_SERVICE_ERR;
        }
}

_public_ int pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
        struct request q = { 0 };
        struct call_end ans;
        char user[SESAME_NAME_MAX + 1];
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
                int t = pam_call_kept(&c, &q.w, user, &ans);
                if (t == -ENOMEM)
                        r = PAM_BUF_ERR;
                else if (t == -ENOENT || t == -ECONNREFUSED)
                        /* sesamed is not running: a local account is the
                         * other modules' to decide; any other may be a
                         * directory account that still resolves from a
                         * cache, which nothing can check now */
                        r = local_account(c.user) ? PAM_AUTHINFO_UNAVAIL : account_unchecked(&c);
                else if (t < 0)
                        r = account_unchecked(&c);
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
        struct call_end ans;
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

                if (pam_call(&c, &q.w, NULL, &ans) < 0)
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

static int chauthtok_map(const struct ctx *c, const struct call_end *a)
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
        struct call_end ans;
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
                int t = pam_call(c, &q.w, NULL, &ans);
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
        struct call_end ans;

        proto_begin(&w, frame, sizeof(frame), SESAME_REQ_PING);
        if (pam_call(c, &w, NULL, &ans) < 0)
                return PAM_TRY_AGAIN;
        if (ans.status != SESAME_ST_OK) {
                log_answer(c, "chauthtok", &ans);
                return PAM_TRY_AGAIN;
        }
        return PAM_SUCCESS;
}

/* The new password: stacked (use_authtok, use_first_pass, try_first_pass)
 * or asked twice.  *asked is set when it was asked (the caller owns it). */
static int new_password(struct ctx *c, const char **ret, char **asked)
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
