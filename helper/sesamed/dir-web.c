/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dir-web.c - a password set by the service DN (dir-web.h).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "conf.h"
#include "dir-internal.h"
#include "dir-web.h"
#include "dir.h"
#include "log.h"
#include "util.h"

int dir_service_conn(struct dir *d, LDAP **ret)
{
        const struct sesame_conf *conf = d->conf;
        size_t order[CONF_URIS_MAX], n = dir_server_order(d, order);

        for (size_t k = 0; k < n; k++) {
                const char *uri = conf->uri[order[k]];
                LDAP *ld = NULL;
                int rc = LDAP_SUCCESS, r = dir_uri_connect(conf, uri, &ld, &rc);

                if (r == -ETIME)
                        return OUT_UNAVAIL;
                if (r < 0) {
                        dir_server_down(d, order[k], r == -EHOSTUNREACH ? ldap_err2string(rc) : "cannot connect");
                        continue;
                }
                rc = dir_bind_service(d, ld);
                if (rc == LDAP_SUCCESS) {
                        *ret = ld;
                        return 0;
                }
                log_error("%s: bind as the service DN on a connection of its own: %s", uri, ldap_err2string(rc));
                (void)ldap_unbind_ext_s(ld, NULL, NULL);
        }
        return OUT_UNAVAIL;
}

static int map_err(int err, const char *dn, const char *text, char *msg, size_t msgsize)
{
        switch (err) {
        case LDAP_SUCCESS:
                return 0;
        case LDAP_CONSTRAINT_VIOLATION:
        case LDAP_UNWILLING_TO_PERFORM:
        case LDAP_INVALID_SYNTAX:
                dir_copy_diag(text, "The directory refused the new password.", msg, msgsize);
                log_info("password reset for %s refused by the directory: %s", dn, ldap_err2string(err));
                return OUT_PASSWORD_POLICY;
        case LDAP_INSUFFICIENT_ACCESS:
                log_error("password reset for %s: %s (the ACLs must give the service DN write access to "
                          "userPassword)",
                          dn, ldap_err2string(err));
                return OUT_ACCESS;
        case LDAP_SERVER_DOWN:
        case LDAP_TIMEOUT:
        case LDAP_BUSY:
        case LDAP_UNAVAILABLE:
                return OUT_UNAVAIL;
        default:
                log_error("password reset for %s: %s", dn, ldap_err2string(err));
                return OUT_LDAP;
        }
}

int dir_set_password(struct dir *d, const char *dn, const char *newpw, char *msg, size_t msgsize)
{
        struct berval new = { newpw ? strlen(newpw) : 0, (char *)(uintptr_t)newpw };
        LDAP *ld = NULL;
        char *text = NULL;
        int r;

        if (msg && msgsize)
                msg[0] = '\0';
        if (new.bv_len == 0 || !dn || !*dn) {
                dir_copy_diag(NULL, "The new password is empty.", msg, msgsize);
                return OUT_PASSWORD_POLICY;
        }
        r = dir_service_conn(d, &ld);
        if (r != 0)
                return r;
        r = map_err(dir_passwd_exop(d, ld, "password reset", dn, NULL, &new, &text), dn, text, msg, msgsize);
        ldap_memfree(text);
        (void)ldap_unbind_ext_s(ld, NULL, NULL);
        return r;
}
