/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dir-user.c - binds as a user, on the user-bind connections (never a
 * service one): checking a password and changing it (see dir.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "dir-internal.h"
#include "dir.h"
#include "log.h"
#include "outcome.h"
#include "proto.h"
#include "util.h"

/* ------------------------------------------------------------ user binds */

static bool utf8_ok(const char *s) { return utf8_valid((const uint8_t *)s, strlen(s)); }

/* A result code that says "this server is not there (now)": try the
 * next URI. */
static bool rc_unreachable(int rc)
{
        return rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR || rc == LDAP_TIMEOUT || rc == LDAP_BUSY ||
               rc == LDAP_UNAVAILABLE;
}

/* The password policy response control of a bind's answer, into @pp. */
static void read_ppolicy(LDAP *ld, LDAPControl **rctrls, struct dir_ppolicy *pp)
{
        LDAPControl *c = ldap_control_find(LDAP_CONTROL_PASSWORDPOLICYRESPONSE, rctrls, NULL);
        ber_int_t expire = -1, grace = -1;
        LDAPPasswordPolicyError err = PP_noError;

        if (!c || ldap_parse_passwordpolicy_control(ld, c, &expire, &grace, &err) != LDAP_SUCCESS)
                return;
        pp->must_change = err == PP_changeAfterReset;
        pp->expired = err == PP_passwordExpired;
        pp->locked = err == PP_accountLocked;
        pp->grace = grace >= 0 ? grace : -1;
        pp->expire_s = expire >= 0 ? expire : -1;
}

/* A simple bind as @dn with the password policy request control, under
 * the request's budget: its result code, and what the policy said. */
static int bind_ppolicy(struct dir *d, LDAP *ld, const char *dn, const struct berval *cred, struct dir_ppolicy *pp)
{
        LDAPControl *req = NULL, *sctrls[2] = { NULL, NULL };
        LDAPControl **rctrls = NULL;
        LDAPMessage *res = NULL;
        int64_t ms = dir_budget_ms(d->conf->timeout);
        int msgid, rc, err = LDAP_OTHER;

        if (ms <= 0)
                return LDAP_TIMEOUT;
        if (ldap_create_passwordpolicy_control(ld, &req) != LDAP_SUCCESS)
                return LDAP_NO_MEMORY;
        /* a server without the policy must not refuse the bind for it */
        req->ldctl_iscritical = 0;
        sctrls[0] = req;
        rc = ldap_sasl_bind(ld, dn, LDAP_SASL_SIMPLE, (struct berval *)(uintptr_t)cred, sctrls, NULL, &msgid);
        ldap_control_free(req);
        if (rc != LDAP_SUCCESS)
                return rc;
        struct timeval tv = dir_tv_ms(ms);
        rc = ldap_result(ld, msgid, LDAP_MSG_ALL, &tv, &res);
        if (rc == 0)
                return LDAP_TIMEOUT;
        if (rc < 0)
                return LDAP_SERVER_DOWN;
        rc = ldap_parse_result(ld, res, &err, NULL, NULL, NULL, &rctrls, 1);
        if (rc != LDAP_SUCCESS)
                return rc;
        read_ppolicy(ld, rctrls, pp);
        ldap_controls_free(rctrls);
        return err;
}

/*
 * A user-bind connection (dir-internal.h) bound as @dn with @cred, under
 * the request's deadline; what the password policy said in *@pp.  The
 * connection is an open one when the set has one (no connect, no
 * unbind), else it is opened in the pool's order (dir_server_order(): a
 * server that is down is not waited for again, one that is suspect comes
 * last) with the pool's options and StartTLS rule; a server that does
 * not connect is marked down for the service connections too.  A bind
 * that gets no answer on an open connection (dead while idle, or its
 * server stuck: then it is marked suspect) is made again on a fresh
 * connection, to the next server first, as long as there is time.
 * 0 and *@ret (give it back with dir_conn_release(d, &d->bind, ...));
 * OUT_BAD_CREDENTIALS, OUT_UNAVAIL or OUT_LDAP (logged).
 */
static int user_conn(struct dir *d, const char *dn, const struct berval *cred, struct dir_ppolicy *pp,
                     struct dir_conn **ret)
{
        const struct sesame_conf *conf = d->conf;

        *pp = (struct dir_ppolicy){ .grace = -1, .expire_s = -1 };
        if (!dn || !*dn || !cred->bv_val || cred->bv_len == 0)
                return OUT_BAD_CREDENTIALS; /* never an anonymous or unauthenticated bind */
        /* each server once, and once more for an open connection that
         * turns out to be dead */
        for (size_t k = 0; k <= conf->n_uri; k++) {
                struct dir_conn *c;
                int rc, r = dir_conn_acquire(d, &d->bind, &c);

                if (r != 0)
                        return r;
                *pp = (struct dir_ppolicy){ .grace = -1, .expire_s = -1 };
                rc = bind_ppolicy(d, c->ld, dn, cred, pp);
                if (rc == LDAP_SUCCESS) {
                        *ret = c;
                        return 0;
                }
                if (rc == LDAP_INVALID_CREDENTIALS || rc == LDAP_INAPPROPRIATE_AUTH) {
                        /* anonymous again: fit for the next user's bind */
                        dir_conn_release(d, &d->bind, c, false);
                        return OUT_BAD_CREDENTIALS;
                }
                if (rc_unreachable(rc)) {
                        size_t uri = c->uri;

                        /* an answer may still come: never reused */
                        dir_conn_release(d, &d->bind, c, true);
                        if (dir_deadline_passed())
                                break;
                        log_debug("%s: user bind: %s; trying again on a fresh connection", conf->uri[uri],
                                  ldap_err2string(rc));
                        if (rc == LDAP_TIMEOUT)
                                dir_server_suspect(d, uri);
                        continue;
                }
                /* the server answered, with something else: it is not a
                 * wrong password, and another server would say the same */
                log_error("%s: bind as %s: %s", conf->uri[c->uri], dn, ldap_err2string(rc));
                dir_conn_release(d, &d->bind, c, true);
                return OUT_LDAP;
        }
        return OUT_UNAVAIL;
}

int dir_user_bind(struct dir *d, const char *dn, const char *password, struct dir_ppolicy *ret_pp)
{
        struct berval cred = { password ? strlen(password) : 0, (char *)(uintptr_t)password };
        struct dir_ppolicy pp = { .grace = -1, .expire_s = -1 };
        struct dir_conn *c = NULL;
        int r;

        if (ret_pp)
                *ret_pp = pp;
        if (cred.bv_len == 0)
                return OUT_BAD_CREDENTIALS;
        r = user_conn(d, dn, &cred, &pp, &c);
        if (ret_pp)
                *ret_pp = pp;
        if (r == 0)
                dir_conn_release(d, &d->bind, c, false);
        return r;
}

void dir_copy_diag(const char *text, const char *fallback, char *msg, size_t size)
{
        size_t n = 0;

        if (!msg || size == 0)
                return;
        if (!text || !*text || !utf8_ok(text)) {
                (void)snprintf(msg, size, "%s", fallback);
                return;
        }
        for (const char *p = text; *p && n + 1 < size; p++)
                msg[n++] = (unsigned char)*p < 0x20 || *p == 0x7f ? ' ' : *p;
        /* do not cut a multi-byte character in half */
        while (n > 0 && !utf8_valid((const uint8_t *)msg, n))
                n--;
        msg[n] = '\0';
}

int dir_passwd_exop(struct dir *d, LDAP *ld, const char *what, const char *dn, const struct berval *old,
                    const struct berval *new, char **ret_text)
{
        struct berval user = { strlen(dn), (char *)(uintptr_t)dn };
        LDAPMessage *res = NULL;
        int64_t ms = dir_budget_ms(d->conf->timeout);
        int msgid, rc, err = LDAP_OTHER;

        *ret_text = NULL;
        if (ms <= 0)
                return LDAP_TIMEOUT;
        rc = ldap_passwd(ld, &user, (struct berval *)(uintptr_t)old, (struct berval *)(uintptr_t)new, NULL, NULL,
                         &msgid);
        if (rc != LDAP_SUCCESS) {
                log_error("%s for %s: %s", what, dn, ldap_err2string(rc));
                return rc;
        }
        struct timeval tv = dir_tv_ms(ms);
        rc = ldap_result(ld, msgid, LDAP_MSG_ALL, &tv, &res);
        if (rc <= 0) {
                log_warning("%s for %s: %s", what, dn, rc == 0 ? "no answer in time" : "connection lost");
                ldap_msgfree(res);
                return rc == 0 ? LDAP_TIMEOUT : LDAP_SERVER_DOWN;
        }
        if (ldap_parse_result(ld, res, &err, NULL, ret_text, NULL, NULL, 1) != LDAP_SUCCESS)
                return LDAP_OTHER;
        return err;
}

int dir_passwd(struct dir *d, const char *dn, const char *oldpw, const char *newpw, char *msg, size_t msgsize)
{
        struct berval old = { oldpw ? strlen(oldpw) : 0, (char *)(uintptr_t)oldpw };
        struct berval new = { newpw ? strlen(newpw) : 0, (char *)(uintptr_t)newpw };
        struct dir_conn *c = NULL;
        char *text = NULL;
        int err, r;

        if (msg && msgsize)
                msg[0] = '\0';
        if (old.bv_len == 0)
                return OUT_BAD_CREDENTIALS;
        if (new.bv_len == 0) {
                dir_copy_diag(NULL, "The new password is empty.", msg, msgsize);
                return OUT_PASSWORD_POLICY;
        }
        r = user_conn(d, dn, &old, &(struct dir_ppolicy){ 0 }, &c);
        if (r != 0)
                return r;
        /* on the connection just bound as @dn, as that user */
        err = dir_passwd_exop(d, c->ld, "password change", dn, &old, &new, &text);
        switch (err) {
        case LDAP_SUCCESS:
                r = 0;
                break;
        case LDAP_INVALID_CREDENTIALS:
                r = OUT_BAD_CREDENTIALS;
                break;
        case LDAP_CONSTRAINT_VIOLATION:
        case LDAP_UNWILLING_TO_PERFORM:
        case LDAP_INVALID_SYNTAX:
                /* a password policy said no: its words are for the user */
                dir_copy_diag(text, "The directory refused the new password.", msg, msgsize);
                log_info("password change for %s refused by the directory: %s", dn, ldap_err2string(err));
                r = OUT_PASSWORD_POLICY;
                break;
        case LDAP_INSUFFICIENT_ACCESS:
                log_error("password change for %s: %s (the ACLs must give 'self write' on userPassword)", dn,
                          ldap_err2string(err));
                r = OUT_ACCESS;
                break;
        default:
                log_error("password change for %s: %s", dn, ldap_err2string(err));
                r = rc_unreachable(err) ? OUT_UNAVAIL : OUT_LDAP;
                break;
        }
        ldap_memfree(text);
        /* an answer that did not come may come later: not reused then */
        dir_conn_release(d, &d->bind, c, rc_unreachable(err));
        return r;
}

