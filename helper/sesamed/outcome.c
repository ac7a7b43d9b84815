/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * outcome.c - OUT_* values to wire statuses and log text (see outcome.h).
 */
#include <string.h>

#include "outcome.h"
#include "sesame-proto.h"

static const struct {
        uint32_t status;
        const char *str;
} outcomes[_OUT_MAX] = {
        [OUT_NOTFOUND] = { SESAME_ST_NOTFOUND, "no such entry" },
        [OUT_UNAVAIL] = { SESAME_ST_UNAVAIL, "the directory cannot be reached in time" },
        /* like an unreachable directory: the cache may still answer */
        [OUT_LIMIT] = { SESAME_ST_UNAVAIL, "a server limit cut the result short" },
        [OUT_DENIED] = { SESAME_ST_DENIED, "not the caller's own account" },
        [OUT_BAD_CREDENTIALS] = { SESAME_ST_AUTH_FAILED, "invalid credentials" },
        [OUT_PASSWORD_POLICY] = { SESAME_ST_BAD_PASSWORD, "the directory refused the new password" },
        /* each of these is a directory that does not behave as
         * sesamed's own writes expect: a failure, never an answer */
        [OUT_CONFLICT] = { SESAME_ST_INTERNAL, "changed by another writer meanwhile" },
        [OUT_NO_VALUE] = { SESAME_ST_INTERNAL, "no such attribute value" },
        [OUT_EXISTS] = { SESAME_ST_INTERNAL, "attribute value exists" },
        [OUT_CONSTRAINT] = { SESAME_ST_INTERNAL, "constraint violation" },
        [OUT_SCHEMA] = { SESAME_ST_INTERNAL, "object class violation" },
        [OUT_ACCESS] = { SESAME_ST_INTERNAL, "denied by the directory's access rules" },
        [OUT_LDAP] = { SESAME_ST_INTERNAL, "LDAP error" },
        [OUT_INVALID] = { SESAME_ST_INTERNAL, "invalid request" },
};

uint32_t outcome_status(int r)
{
        if (r == 0)
                return SESAME_ST_OK; /* the only way to OK */
        if (r < 0 || r >= _OUT_MAX || !outcomes[r].str)
                return SESAME_ST_INTERNAL;
        return outcomes[r].status;
}

const char *outcome_str(int r)
{
        if (r < 0)
                return strerror(-r);
        if (r == 0)
                return "success";
        if (r >= _OUT_MAX || !outcomes[r].str)
                return "unknown outcome";
        return outcomes[r].str;
}
