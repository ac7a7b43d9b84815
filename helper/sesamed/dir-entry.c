/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dir-entry.c - entries added and deleted by the service DN (dir-entry.h).
 */
#include <errno.h>
#include <string.h>

#include "conf.h"
#include "dir-entry.h"
#include "dir-internal.h"
#include "dir.h"
#include "log.h"

/* The result of the operation @msgid on @ld, waited for within the
 * request's budget: an LDAP result code (LDAP_TIMEOUT, LDAP_SERVER_DOWN
 * when none came); the server's diagnostic in *@ret_text. */
static int wait_result(struct dir *d, LDAP *ld, int msgid, char **ret_text)
{
        int64_t ms = dir_budget_ms(d->conf->timeout);
        LDAPMessage *res = NULL;
        int rc, err = LDAP_OTHER;

        *ret_text = NULL;
        if (ms <= 0)
                return LDAP_TIMEOUT;
        struct timeval tv = dir_tv_ms(ms);
        rc = ldap_result(ld, msgid, LDAP_MSG_ALL, &tv, &res);
        if (rc <= 0) {
                ldap_msgfree(res);
                return rc == 0 ? LDAP_TIMEOUT : LDAP_SERVER_DOWN;
        }
        if (ldap_parse_result(ld, res, &err, NULL, ret_text, NULL, NULL, 1) != LDAP_SUCCESS)
                return LDAP_OTHER;
        return err;
}

static int map_rc(int rc, const char *what, const char *dn, const char *text)
{
        switch (rc) {
        case LDAP_SUCCESS:
                return 0;
        case LDAP_ALREADY_EXISTS:
                return OUT_EXISTS;
        case LDAP_NO_SUCH_OBJECT:
                if (strcmp(what, "add") == 0)
                        log_error("add %s: the parent entry does not exist", dn);
                return OUT_NOTFOUND;
        case LDAP_INSUFFICIENT_ACCESS:
                log_error("%s %s: %s (the access rules for self-registration in conf/schema/acl-example.conf "
                          "are missing?)",
                          what, dn, ldap_err2string(rc));
                return OUT_ACCESS;
        case LDAP_OBJECT_CLASS_VIOLATION:
        case LDAP_UNDEFINED_TYPE:
        case LDAP_INVALID_SYNTAX:
                log_error("%s %s: %s%s%s (is the sesame schema of this version loaded?)", what, dn,
                          ldap_err2string(rc), text && *text ? ": " : "", text ? text : "");
                return OUT_SCHEMA;
        case LDAP_SERVER_DOWN:
        case LDAP_TIMEOUT:
        case LDAP_BUSY:
        case LDAP_UNAVAILABLE:
        case LDAP_CONNECT_ERROR:
                log_warning("%s %s: %s", what, dn, ldap_err2string(rc));
                return OUT_UNAVAIL;
        default:
                log_error("%s %s: %s%s%s", what, dn, ldap_err2string(rc), text && *text ? ": " : "", text ? text : "");
                return OUT_LDAP;
        }
}

/* @add: ldap_add_ext(@mods), else ldap_delete_ext(). */
static int run(struct dir *d, bool add, const char *dn, LDAPMod **mods)
{
        const char *what = add ? "add" : "delete";
        LDAP *ld = NULL;
        char *text = NULL;
        int msgid, rc, r;

        r = dir_service_conn(d, &ld);
        if (r != 0)
                return r;
        rc = add ? ldap_add_ext(ld, dn, mods, NULL, NULL, &msgid) : ldap_delete_ext(ld, dn, NULL, NULL, &msgid);
        if (rc == LDAP_SUCCESS)
                rc = wait_result(d, ld, msgid, &text);
        r = map_rc(rc, what, dn, text);
        ldap_memfree(text);
        (void)ldap_unbind_ext_s(ld, NULL, NULL);
        return r;
}

int dir_add(struct dir *d, const char *dn, LDAPMod **mods)
{
        return run(d, true, dn, mods);
}

int dir_delete(struct dir *d, const char *dn)
{
        return run(d, false, dn, NULL);
}
