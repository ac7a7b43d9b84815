/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-dispatch.c - helper/sesamed/dispatch.c: who may send which request
 * on which socket, and on whose account.
 *
 * The expected policy is written out here a second time, on purpose: a
 * change to the daemon's table shows up as a difference, and a request
 * opcode the protocol defines but neither table lists fails the test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>

#include "dispatch.h"
#include "proto.h"

#define N SOCK_BIT(SOCK_NSS)
#define P SOCK_BIT(SOCK_PAM)
#define A SOCK_BIT(SOCK_ADMIN)
#define W SOCK_BIT(SOCK_WEB)

static const struct expect {
        uint16_t opcode;
        unsigned classes;
        bool account; /* names an account */
        bool self;    /* non-root callers: their own account only */
} expected[] = {
        { SESAME_REQ_PASSWD_BYNAME, N | A, false, false },
        { SESAME_REQ_PASSWD_BYUID, N | A, false, false },
        { SESAME_REQ_PASSWD_ENUM, N | A, false, false },
        { SESAME_REQ_GROUP_BYNAME, N | A, false, false },
        { SESAME_REQ_GROUP_BYGID, N | A, false, false },
        { SESAME_REQ_GROUP_ENUM, N | A, false, false },
        { SESAME_REQ_INITGROUPS, N | A, false, false },
        { SESAME_REQ_PING, P | A, false, false },
        { SESAME_REQ_PASSWD_BYMAIL, A, false, false },
        { SESAME_REQ_CACHE_FLUSH, A, false, false },
        { SESAME_REQ_USER_SHOW, A, true, false },
        { SESAME_REQ_TOTP_ENROLL, A, true, false },
        { SESAME_REQ_TOTP_ACTIVATE, A, true, false },
        { SESAME_REQ_TOTP_DISABLE, A, true, false },
        { SESAME_REQ_RECOVERY_CODES, A, true, false },
        { SESAME_REQ_UNLOCK, A, true, false },
        { SESAME_REQ_CHECK, A, false, false },
        { SESAME_REQ_PASSWORD_SET, A, true, false },
        { SESAME_REQ_CONFIRM_SEND, A, true, false },
        { SESAME_REQ_PURGE_PENDING, A, false, false },
        { SESAME_REQ_AUTH, P, true, true },
        { SESAME_REQ_ACCOUNT, P, true, true },
        { SESAME_REQ_CHAUTHTOK, P, true, true },
        { SESAME_REQ_SESSION, P, true, true },
        /* anonymous visitors through sesame-web: no account is resolved
         * by the table, whose refusal would tell that it exists */
        { SESAME_REQ_WEB_RESET_REQUEST, W, false, false },
        { SESAME_REQ_WEB_RESET_CHECK, W, false, false },
        { SESAME_REQ_WEB_RESET_REDEEM, W, false, false },
        { SESAME_REQ_WEB_CONFIRM_REQUEST, W, false, false },
        { SESAME_REQ_WEB_CONFIRM_REDEEM, W, false, false },
        /* registration: web.sock only; the name it asks for is no
         * account yet, and the answer must not tell whether the address
         * is one's */
        { SESAME_REQ_WEB_REGISTER, W, false, false },
};

#define OWNER 1000u  /* uidNumber of the account a request names */
#define STRANGER 1001u
#define WEB_UID 990u /* the uid of the [web] user */

static const uid_t callers[] = { 0, OWNER, STRANGER, 65534, WEB_UID };

/* Does the policy of socket class @cls admit a peer running as @uid? */
static bool admits(int cls, uid_t uid)
{
        switch (dispatch_peer_policy((enum sock_class)cls)) {
        case PEER_ANYONE:
                return true;
        case PEER_WEB:
                return uid == 0 || uid == WEB_UID;
        default:
                return uid == 0;
        }
}

/* Does the protocol define request opcode @op?  The decoder says so: an
 * empty frame of a known opcode fails for another reason, or not at all. */
static bool opcode_known(uint16_t op)
{
        uint8_t body[SESAME_HDR_LEN] = { 0, SESAME_PROTO_VERSION, (uint8_t)(op >> 8), (uint8_t)op, 0, 0 };
        struct proto_msg m;

        return proto_decode(body, sizeof(body), &m) != SESAME_E_OPCODE;
}

static const struct expect *expected_find(uint16_t op)
{
        for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
                if (expected[i].opcode == op)
                        return &expected[i];
        return NULL;
}

static void test_peer_policies(void **state)
{
        (void)state;
        assert_int_equal(dispatch_peer_policy(SOCK_NSS), PEER_ANYONE);
        assert_int_equal(dispatch_peer_policy(SOCK_PAM), PEER_ANYONE);
        assert_int_equal(dispatch_peer_policy(SOCK_ADMIN), PEER_ROOT);
        assert_int_equal(dispatch_peer_policy(SOCK_WEB), PEER_WEB);
        /* a class out of range admits nobody but root, and nothing */
        assert_int_equal(dispatch_peer_policy(SOCK__MAX), PEER_ROOT);
        assert_null(dispatch_authorise(SESAME_REQ_PING, SOCK__MAX, 0, WEB_UID));
        /* web.sock: root and the web uid; without a web uid, root alone,
         * and "no uid" is never a peer's uid that matches */
        assert_non_null(dispatch_authorise(SESAME_REQ_WEB_RESET_REQUEST, SOCK_WEB, WEB_UID, WEB_UID));
        assert_null(dispatch_authorise(SESAME_REQ_WEB_RESET_REQUEST, SOCK_WEB, WEB_UID, DISPATCH_NO_UID));
        assert_null(dispatch_authorise(SESAME_REQ_WEB_RESET_REQUEST, SOCK_WEB, DISPATCH_NO_UID, DISPATCH_NO_UID));
        assert_non_null(dispatch_authorise(SESAME_REQ_WEB_RESET_REQUEST, SOCK_WEB, 0, DISPATCH_NO_UID));
        /* the web uid is nobody special on the other sockets */
        assert_null(dispatch_authorise(SESAME_REQ_PING, SOCK_ADMIN, WEB_UID, WEB_UID));
        assert_null(dispatch_authorise(SESAME_REQ_AUTH, SOCK_WEB, WEB_UID, WEB_UID));
}

/* Every request opcode the protocol knows has a policy, here and in the
 * daemon, and every opcode here is one the protocol knows. */
static void test_every_opcode_has_a_policy(void **state)
{
        unsigned known = 0;

        (void)state;
        for (uint32_t op = 0; op <= 0xffff; op += 2) {
                bool any = false;

                if (!opcode_known((uint16_t)op))
                        continue;
                known++;
                if (!expected_find((uint16_t)op))
                        fail_msg("request 0x%04x has no expected policy in this test", op);
                for (int cls = 0; cls < SOCK__MAX; cls++)
                        any |= dispatch_authorise((uint16_t)op, (enum sock_class)cls, 0, WEB_UID) != NULL;
                if (!any)
                        fail_msg("request 0x%04x is allowed on no socket: it has no entry in dispatch.c", op);
        }
        assert_int_equal(known, sizeof(expected) / sizeof(expected[0]));
        for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
                assert_true(opcode_known(expected[i].opcode));
        /* answers are never requests */
        for (int cls = 0; cls < SOCK__MAX; cls++)
                assert_null(dispatch_authorise(SESAME_ANS_END, (enum sock_class)cls, 0, WEB_UID));
}

/* Every opcode x socket x caller: allowed or not, and on whose account. */
static void test_matrix(void **state)
{
        unsigned checked = 0;

        (void)state;
        for (size_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
                const struct expect *e = &expected[i];

                for (int cls = 0; cls < SOCK__MAX; cls++) {
                        for (size_t k = 0; k < sizeof(callers) / sizeof(callers[0]); k++) {
                                uid_t uid = callers[k];
                                bool admitted = admits(cls, uid);
                                bool want = (e->classes & SOCK_BIT(cls)) && admitted;
                                const struct dispatch_entry *d =
                                        dispatch_authorise(e->opcode, (enum sock_class)cls, uid, WEB_UID);

                                if ((d != NULL) != want)
                                        fail_msg("request 0x%04x on socket class %d from uid %u: %s, expected %s",
                                                 e->opcode, cls, (unsigned)uid, d ? "allowed" : "refused",
                                                 want ? "allowed" : "refused");
                                checked++;
                                if (!d)
                                        continue;
                                assert_int_equal(d->opcode, e->opcode);
                                assert_non_null(d->fn);
                                assert_int_equal(!!(d->flags & D_ACCOUNT), e->account);
                                assert_int_equal(!!(d->flags & D_SELF), e->self);
                                /* SELF only makes sense for a request naming an account */
                                assert_true(!(d->flags & D_SELF) || (d->flags & D_ACCOUNT));
                                bool mine = dispatch_may_target(d, uid, OWNER);
                                bool want_mine = !e->self || uid == 0 || uid == OWNER;
                                if (mine != want_mine)
                                        fail_msg("request 0x%04x from uid %u on the account of uid %u: %s", e->opcode,
                                                 (unsigned)uid, OWNER, mine ? "allowed" : "refused");
                        }
                }
        }
        assert_int_equal(checked, sizeof(expected) / sizeof(expected[0]) * SOCK__MAX *
                                          (sizeof(callers) / sizeof(callers[0])));
}

/* Requests whose answer depends on the account: refused for another
 * caller's account even though the caller may send the request. */
static void test_self_rule(void **state)
{
        const struct dispatch_entry *d = dispatch_authorise(SESAME_REQ_AUTH, SOCK_PAM, STRANGER, WEB_UID);

        (void)state;
        assert_non_null(d);
        assert_false(dispatch_may_target(d, STRANGER, OWNER));
        assert_true(dispatch_may_target(d, STRANGER, STRANGER));
        assert_true(dispatch_may_target(d, 0, OWNER));
        /* uid 0 as the account's uidNumber grants a stranger nothing */
        assert_false(dispatch_may_target(d, STRANGER, 0));
}

/* A decoded ACCOUNT or USER_SHOW request, with DEADLINE_MS when @ms >= 0. */
static void request(uint8_t *buf, size_t size, uint16_t opcode, int64_t ms, struct proto_msg *ret)
{
        struct proto_writer w;
        size_t len;

        proto_begin(&w, buf, size, opcode);
        assert_int_equal(proto_put_str(&w, SESAME_F_LOGIN, "alice"), 0);
        if (opcode == SESAME_REQ_ACCOUNT)
                assert_int_equal(proto_put_str(&w, SESAME_F_SERVICE, "login"), 0);
        if (ms >= 0)
                assert_int_equal(proto_put_u32(&w, SESAME_F_DEADLINE_MS, (uint32_t)ms), 0);
        assert_int_equal(proto_end(&w, &len), 0);
        assert_int_equal(proto_decode(buf + 4, len - 4, ret), 0);
}

static void test_deadline(void **state)
{
        const int64_t now = 1000000;
        uint8_t buf[256];
        struct proto_msg m;

        (void)state;
        /* without DEADLINE_MS: a login has its fixed budget, others none */
        request(buf, sizeof(buf), SESAME_REQ_ACCOUNT, -1, &m);
        assert_int_equal(dispatch_deadline(SOCK_PAM, &m, now), now + DISPATCH_PAM_BUDGET_MS);
        request(buf, sizeof(buf), SESAME_REQ_USER_SHOW, -1, &m);
        assert_int_equal(dispatch_deadline(SOCK_ADMIN, &m, now), 0);
        /* the caller's time, less a twentieth for the answer's way */
        request(buf, sizeof(buf), SESAME_REQ_ACCOUNT, 3000, &m);
        assert_int_equal(dispatch_deadline(SOCK_PAM, &m, now), now + 2850);
        request(buf, sizeof(buf), SESAME_REQ_USER_SHOW, 1000, &m);
        assert_int_equal(dispatch_deadline(SOCK_ADMIN, &m, now), now + 950);
        /* at least the fixed margin */
        request(buf, sizeof(buf), SESAME_REQ_ACCOUNT, 100, &m);
        assert_int_equal(dispatch_deadline(SOCK_PAM, &m, now), now + 100 - DISPATCH_DEADLINE_MARGIN_MS);
        /* a caller that has (all but) given up: dropped */
        request(buf, sizeof(buf), SESAME_REQ_ACCOUNT, 0, &m);
        assert_int_equal(dispatch_deadline(SOCK_PAM, &m, now), -1);
        request(buf, sizeof(buf), SESAME_REQ_ACCOUNT, DISPATCH_DEADLINE_MARGIN_MS, &m);
        assert_int_equal(dispatch_deadline(SOCK_PAM, &m, now), -1);
        /* never longer than the longest PAM timeout, whatever is asked */
        request(buf, sizeof(buf), SESAME_REQ_ACCOUNT, UINT32_MAX, &m);
        assert_int_equal(dispatch_deadline(SOCK_PAM, &m, now), now + DISPATCH_DEADLINE_MAX_MS);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_peer_policies),
                cmocka_unit_test(test_every_opcode_has_a_policy),
                cmocka_unit_test(test_matrix),
                cmocka_unit_test(test_self_rule),
                cmocka_unit_test(test_deadline),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
