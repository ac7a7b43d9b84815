/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-auth.c - the login decisions of helper/sesamed/authsrv.c, driven
 * through its handlers (AUTH, ACCOUNT, CHAUTHTOK) over a socketpair, with
 * an in-memory directory (fake-dir.c) in place of slapd.
 *
 * The request is sent as pam_sesame would send it and read by the
 * daemon's own proto_recv(); the answer frames are read back the same
 * way.  What is checked is what a PAM module would see (status, REASON,
 * LOCKED_UNTIL, the user name) and what the directory was told (a failure
 * counted, a lock written, a TOTP step taken).  The integration tests run
 * the same paths against a real slapd.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <oath.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "attempts.h"
#include "cache.h"
#include "conf.h"
#include "ctx.h"
#include "dispatch.h"
#include "fake-dir.h"
#include "log.h"
#include "macro.h"
#include "proto.h"
#include "seal.h"
#include "totp.h"
#include "util.h"

/* RFC 6238's SHA-1 test seed, "12345678901234567890" */
static const uint8_t seed[] = "12345678901234567890";
#define SEED_LEN 20
/* `oathtool --totp -d 6 --now "2026-01-01 00:00:00 UTC" 313233...3930`
 * (the seed in hex), written down when this test was: the code generator
 * used below must agree with it */
#define FIXED_TIME 1767225600
#define FIXED_CODE "745690"

#define MAX_FAILURES 3
#define LOCKOUT 600

static const char conf_text[] = "[ldap]\nuri = ldap://ldap.example.com\nbase = dc=example,dc=com\n"
                                "[auth]\nmax_failures = 3\nfailure_window = 900\nlockout_time = 600\n";

struct fixture {
        char dir[64], key_path[96];
        struct sesame_conf *conf;
        struct seal_key *key;
        struct daemon_ctx x;
        struct client cl;
        int peer; /* the PAM module's end */
};

static struct fixture *fx;

static int setup(void **state)
{
        struct fixture *f = calloc(1, sizeof(*f));
        char err[512];
        uint8_t k[SEAL_KEY_LEN];
        int sp[2], fd;

        assert_non_null(f);
        (void)snprintf(f->dir, sizeof(f->dir), "/tmp/test-auth.XXXXXX");
        assert_non_null(mkdtemp(f->dir));
        (void)snprintf(f->key_path, sizeof(f->key_path), "%s/totp.key", f->dir);
        fd = open(f->key_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        randombytes_buf(k, sizeof(k));
        assert_int_equal(write(fd, k, sizeof(k)), sizeof(k));
        (void)close(fd);
        assert_int_equal(seal_key_load(f->key_path, &f->key, err, sizeof(err)), 0);
        assert_int_equal(conf_parse("test.conf", conf_text, strlen(conf_text), &f->conf, err, sizeof(err)), 0);
        assert_int_equal(totp_init(), 0);
        assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp), 0);
        f->x = (struct daemon_ctx){ .conf = f->conf, .key = f->key, .cache = cache_new(100, 100), .refs = 1 };
        assert_non_null(f->x.cache);
        f->cl.fd = sp[0];
        f->cl.cls = SOCK_PAM;
        f->cl.ctx = &f->x;
        f->peer = sp[1];
        fake_reset();
        attempts_reset();
        fx = f;
        *state = f;
        return 0;
}

static int teardown(void **state)
{
        struct fixture *f = *state;

        fake_reset();
        cache_free(f->x.cache);
        (void)close(f->cl.fd);
        (void)close(f->peer);
        seal_key_free(f->key);
        conf_free(f->conf);
        (void)unlink(f->key_path);
        (void)rmdir(f->dir);
        free(f);
        return 0;
}

/* ------------------------------------------------------------ requests */

struct req {
        const char *password, *newpassword, *code;
        uint32_t totp_mode;
        const char *role;
};

struct ans {
        uint32_t status, reason, locked_until;
        char user[SESAME_NAME_MAX + 1];
        char message[SESAME_TEXT_MAX + 1];
};

/* Send @opcode for @e as pam_sesame would, let @fn handle it as
 * dispatch.c would, and read the answer. */
static struct ans call(uint16_t opcode, handler_fn fn, const struct fake_entry *e, const struct req *rq)
{
        uint8_t frame[SESAME_BUF_MAX];
        struct proto_writer w;
        struct proto_msg req, m;
        struct pwrec pw;
        struct ans a = { .status = UINT32_MAX };
        size_t len;

        proto_begin(&w, frame, sizeof(frame), opcode);
        assert_int_equal(proto_put_str(&w, SESAME_F_LOGIN, e->name), 0);
        if (rq->password)
                assert_int_equal(proto_put_str(&w, SESAME_F_PASSWORD, rq->password), 0);
        if (rq->newpassword)
                assert_int_equal(proto_put_str(&w, SESAME_F_NEWPASSWORD, rq->newpassword), 0);
        if (rq->code)
                assert_int_equal(proto_put_str(&w, SESAME_F_CODE, rq->code), 0);
        assert_int_equal(proto_put_str(&w, SESAME_F_SERVICE, "login"), 0);
        if (opcode == SESAME_REQ_AUTH)
                assert_int_equal(proto_put_u32(&w, SESAME_F_TOTP_MODE, rq->totp_mode), 0);
        if (rq->role)
                assert_int_equal(proto_put_str(&w, SESAME_F_ROLE, rq->role), 0);
        assert_int_equal(proto_end(&w, &len), 0);
        assert_int_equal(proto_send(fx->peer, frame, len, now_ms() + 2000), 0);
        assert_int_equal(proto_recv(fx->cl.fd, fx->cl.buf, sizeof(fx->cl.buf), &req, now_ms() + 2000), 0);

        fake_pwrec(e, &pw);
        struct call c = { .cl = &fx->cl, .x = &fx->x, .req = &req, .login = e->name, .pw = &pw,
                          .started = now_ms() };
        assert_int_equal(fn(&c), 0);

        for (;;) {
                struct proto_field f;

                assert_int_equal(proto_recv(fx->peer, frame, sizeof(frame), &m, now_ms() + 2000), 0);
                if (m.opcode == SESAME_ANS_USER) {
                        assert_true(proto_find(&m, SESAME_F_NAME, &f));
                        assert_int_equal(proto_field_str(&f, a.user, sizeof(a.user)), 0);
                        continue;
                }
                assert_int_equal(m.opcode, SESAME_ANS_END);
                a.status = proto_get_u32(&m, SESAME_F_STATUS, UINT32_MAX);
                a.reason = proto_get_u32(&m, SESAME_F_REASON, 0);
                a.locked_until = proto_get_u32(&m, SESAME_F_LOCKED_UNTIL, 0);
                if (proto_find(&m, SESAME_F_MESSAGE, &f))
                        assert_int_equal(proto_field_str(&f, a.message, sizeof(a.message)), 0);
                return a;
        }
}

static struct ans auth(const struct fake_entry *e, const struct req *rq)
{
        return call(SESAME_REQ_AUTH, handle_auth, e, rq);
}

static struct ans account(const struct fake_entry *e, const char *role)
{
        return call(SESAME_REQ_ACCOUNT, handle_account, e, &(struct req){ .role = role });
}

static struct ans chauthtok(const struct fake_entry *e, const char *oldpw, const char *newpw)
{
        return call(SESAME_REQ_CHAUTHTOK, handle_chauthtok, e,
                    &(struct req){ .password = oldpw, .newpassword = newpw });
}

static void assert_refused(struct ans a, uint32_t reason)
{
        assert_int_equal(a.status, SESAME_ST_REFUSED);
        assert_int_equal(a.reason, reason);
        assert_true(a.message[0] != '\0'); /* says why */
        assert_string_equal(a.user, "");
}

/* ------------------------------------------------------------ TOTP */

/* The code of the RFC 6238 seed at @t, from liboath's own generator. */
static void code_at(time_t t, char out[7])
{
        assert_int_equal(oath_totp_generate((const char *)seed, SEED_LEN, t, 30, 0, 6, out), OATH_OK);
}

/* @e gets the seed, sealed as sesamectl's enrolment stores it. */
static void enrol(struct fake_entry *e)
{
        struct totp_params p = { .alg = SESAME_ALG_SHA1, .digits = 6, .period = 30 };
        uint8_t packed[TOTP_PACK_MAX];
        size_t n = totp_pack(&p, seed, SEED_LEN, packed);

        assert_true(n > 0);
        e->st.totp_secret = seal_value(fx->key, e->name, packed, n);
        assert_non_null(e->st.totp_secret);
}

/* A code that is certainly wrong now: none of the steps the window of
 * +-1 step accepts. */
static void wrong_code(char out[7])
{
        char near[3][7];
        time_t now = time(NULL);
        bool clash = true;

        /* two steps on each side, in case the step turns meanwhile */
        for (int i = 0; i < 3; i++)
                code_at(now + (i - 1) * 60, near[i]);
        memcpy(out, near[1], 7);
        while (clash) {
                out[0] = out[0] == '9' ? '0' : (char)(out[0] + 1);
                clash = false;
                for (int i = 0; i < 3; i++)
                        clash |= strcmp(out, near[i]) == 0;
        }
}

/* ------------------------------------------------------------ tests */

static void generator_matches_oathtool(void **state _unused_)
{
        char code[7];

        code_at(FIXED_TIME, code);
        assert_string_equal(code, FIXED_CODE);
}

static void right_password(void **state _unused_)
{
        struct fake_entry *e = fake_add("alice", "s3cret-Pass", 10001);
        struct ans a;

        /* two earlier failures are forgotten by a success */
        e->st.has_failures = e->st.has_failure_time = true;
        e->st.failures = 2;
        e->st.failure_time = time(NULL) - 10;
        a = auth(e, &(struct req){ .password = "s3cret-Pass" });
        assert_int_equal(a.status, SESAME_ST_OK);
        assert_string_equal(a.user, "alice");
        assert_int_equal(e->binds, 1);
        /* counted before the bind, forgotten after it */
        assert_int_equal(e->attempts_counted, 1);
        assert_false(e->st.has_failures);
}

static void wrong_password(void **state _unused_)
{
        struct fake_entry *e = fake_add("alice", "s3cret-Pass", 10001);
        struct ans a = auth(e, &(struct req){ .password = "guess" });

        assert_int_equal(a.status, SESAME_ST_AUTH_FAILED);
        assert_int_equal(a.reason, 0);
        assert_string_equal(a.user, "");
        assert_int_equal(e->attempts_counted, 1);
        assert_int_equal(e->st.failures, 1);
        assert_false(e->st.has_locked_until);
        /* an empty password is a failure too, and never sent as a bind */
        a = auth(e, &(struct req){ .password = "" });
        assert_int_equal(a.status, SESAME_ST_AUTH_FAILED);
        assert_int_equal(e->binds, 1);
}

static void lockout(void **state _unused_)
{
        struct fake_entry *e = fake_add("alice", "s3cret-Pass", 10001);
        int64_t before = time(NULL);
        struct ans a;

        for (int i = 0; i < MAX_FAILURES; i++) {
                a = auth(e, &(struct req){ .password = "guess" });
                assert_int_equal(a.status, SESAME_ST_AUTH_FAILED);
        }
        assert_int_equal(e->st.failures, MAX_FAILURES);
        assert_true(e->st.has_locked_until);
        assert_in_range(e->st.locked_until, before + LOCKOUT, time(NULL) + LOCKOUT);
        /* now even the right password is refused, as a wrong one would
         * be (lock_is_for_passwords_only) */
        a = auth(e, &(struct req){ .password = "s3cret-Pass" });
        assert_int_equal(a.status, SESAME_ST_AUTH_FAILED);
        assert_int_equal(e->binds, MAX_FAILURES); /* not even tried */
        assert_int_equal(chauthtok(e, "s3cret-Pass", NULL).status, SESAME_ST_AUTH_FAILED);
        assert_int_equal(e->binds, MAX_FAILURES);
        /* a lock that has ended lets the right password in */
        e->st.locked_until = time(NULL) - 1;
        a = auth(e, &(struct req){ .password = "s3cret-Pass" });
        assert_int_equal(a.status, SESAME_ST_OK);
}

/* The codes of an account that must give one; @strict: [auth]
 * strict_count. */
static void code_required_as(bool strict)
{
        struct fake_entry *e = fake_add("carol", "c4rol-Pass", 10003);
        struct req rq = { .password = "c4rol-Pass", .totp_mode = SESAME_TOTP_REQUIRED };
        char code[7], bad[7];
        struct ans a;

        fx->conf->strict_count = strict;
        enrol(e);
        /* missing */
        a = auth(e, &rq);
        assert_int_equal(a.status, SESAME_ST_AUTH_FAILED);
        assert_int_equal(a.reason, SESAME_R_CODE_NEEDED);
        assert_int_equal(e->attempts_counted, 1);
        /* wrong */
        wrong_code(bad);
        rq.code = bad;
        a = auth(e, &rq);
        assert_int_equal(a.status, SESAME_ST_AUTH_FAILED);
        assert_int_equal(e->attempts_counted, 2);
        assert_int_equal(e->st.last_step, -1);
        /* not even digits */
        rq.code = "abcdef";
        a = auth(e, &rq);
        assert_int_equal(a.status, SESAME_ST_AUTH_FAILED);
        assert_int_equal(e->attempts_counted, 3);
        /* right, after the lock the three failures caused has been lifted */
        assert_true(e->st.has_locked_until);
        e->st.has_locked_until = e->st.has_failures = e->st.has_failure_time = false;
        code_at(time(NULL), code);
        rq.code = code;
        a = auth(e, &rq);
        assert_int_equal(a.status, SESAME_ST_OK);
        assert_string_equal(a.user, "carol");
        assert_true(e->st.last_step > 0); /* the step is spent */
        /* the same code once more: a replay */
        a = auth(e, &rq);
        assert_int_equal(a.status, SESAME_ST_AUTH_FAILED);
        /* strict: every check is counted before it is made, the
         * success (its count then forgotten) and the replay; else the
         * success in a clean window was checked uncounted, and the
         * replay, which failed, was counted after it */
        assert_int_equal(e->attempts_counted, strict ? 5 : 4);
        assert_int_equal(e->st.failures, 1);
        /* a right password alone is not enough */
        rq.code = NULL;
        a = auth(e, &rq);
        assert_int_equal(a.status, SESAME_ST_AUTH_FAILED);
        assert_int_equal(a.reason, SESAME_R_CODE_NEEDED);
}

static void code_required(void **state _unused_)
{
        code_required_as(false);
}

static void code_required_strict(void **state _unused_)
{
        code_required_as(true);
}

static void code_with_wrong_password(void **state _unused_)
{
        struct fake_entry *e = fake_add("carol", "c4rol-Pass", 10003);
        char code[7];
        struct ans a;

        enrol(e);
        code_at(time(NULL), code);
        a = auth(e, &(struct req){ .password = "guess", .code = code, .totp_mode = SESAME_TOTP_REQUIRED });
        assert_int_equal(a.status, SESAME_ST_AUTH_FAILED);
        assert_int_equal(a.reason, 0); /* nothing said about the code */
        assert_int_equal(e->st.last_step, -1); /* and it was not spent */
}

static void no_totp_enrolled(void **state _unused_)
{
        struct fake_entry *e = fake_add("alice", "s3cret-Pass", 10001);
        struct ans a;

        a = auth(e, &(struct req){ .password = "s3cret-Pass", .totp_mode = SESAME_TOTP_REQUIRED });
        assert_refused(a, SESAME_R_NO_TOTP);
        a = auth(e, &(struct req){ .password = "s3cret-Pass", .totp_mode = SESAME_TOTP_OPTIONAL });
        assert_int_equal(a.status, SESAME_ST_OK);
}

static void disabled(void **state _unused_)
{
        struct fake_entry *e = fake_add("dave", "d4ve-Pass", 10004);

        e->st.disabled = true;
        assert_refused(auth(e, &(struct req){ .password = "d4ve-Pass" }), SESAME_R_DISABLED);
        assert_refused(account(e, NULL), SESAME_R_DISABLED);
        assert_refused(chauthtok(e, "d4ve-Pass", "N3w-Password!"), SESAME_R_DISABLED);
        assert_int_equal(e->passwd_changes, 0);
        /* a wrong password says nothing about the account */
        assert_int_equal(auth(e, &(struct req){ .password = "guess" }).status, SESAME_ST_AUTH_FAILED);
}

static void expired(void **state _unused_)
{
        struct fake_entry *e = fake_add("erin", "er1n-Pass", 10005);

        e->st.has_shadow_expire = true;
        e->st.shadow_expire = time(NULL) / 86400; /* today */
        assert_refused(auth(e, &(struct req){ .password = "er1n-Pass" }), SESAME_R_EXPIRED);
        assert_refused(account(e, NULL), SESAME_R_EXPIRED);
        e->st.shadow_expire = time(NULL) / 86400 + 1; /* tomorrow */
        assert_int_equal(auth(e, &(struct req){ .password = "er1n-Pass" }).status, SESAME_ST_OK);
        assert_int_equal(account(e, NULL).status, SESAME_ST_OK);
}

static void unconfirmed(void **state _unused_)
{
        struct fake_entry *e = fake_add("frank", "fr4nk-Pass", 10006);

        /* off by default */
        assert_int_equal(auth(e, &(struct req){ .password = "fr4nk-Pass" }).status, SESAME_ST_OK);
        fx->conf->require_confirmed_email = true;
        assert_refused(auth(e, &(struct req){ .password = "fr4nk-Pass" }), SESAME_R_UNCONFIRMED);
        assert_refused(account(e, NULL), SESAME_R_UNCONFIRMED);
        e->st.confirmed = true;
        assert_int_equal(auth(e, &(struct req){ .password = "fr4nk-Pass" }).status, SESAME_ST_OK);
        assert_int_equal(account(e, NULL).status, SESAME_ST_OK);
}

static void missing_role(void **state _unused_)
{
        struct fake_entry *e = fake_add("grace", "gr4ce-Pass", 10007);
        struct ans a;

        e->roles[0] = "staff";
        assert_refused(auth(e, &(struct req){ .password = "gr4ce-Pass", .role = "admins" }), SESAME_R_ROLE);
        assert_refused(account(e, "admins"), SESAME_R_ROLE);
        a = auth(e, &(struct req){ .password = "gr4ce-Pass", .role = "staff" });
        assert_int_equal(a.status, SESAME_ST_OK);
        assert_string_equal(account(e, "staff").user, "grace");
        /* the role is checked only after the password: a guesser learns
         * nothing about roles */
        a = auth(e, &(struct req){ .password = "guess", .role = "admins" });
        assert_int_equal(a.status, SESAME_ST_AUTH_FAILED);
        assert_int_equal(a.reason, 0);
}

/* A role check's answer, member or not, is reused for role_ttl seconds:
 * account checks repeated by a busy host or a flooding user cost one
 * search per role and user; an expired answer is asked again, and never
 * granted when the directory cannot answer. */
static void role_answers_reused(void **state _unused_)
{
        struct fake_entry *e = fake_add("ivan", "iv4n-Pass", 10009);

        e->roles[0] = "staff";
        for (int i = 0; i < 20; i++) {
                assert_int_equal(account(e, "staff").status, SESAME_ST_OK);
                assert_refused(account(e, "admins"), SESAME_R_ROLE);
        }
        assert_int_equal(fake_dir.role_checks, 2);

        /* a membership removed in the directory shows once flushed
         * (sesamectl flush-cache) or after role_ttl */
        e->roles[0] = NULL;
        assert_int_equal(account(e, "staff").status, SESAME_ST_OK);
        cache_flush(fx->x.cache);
        assert_refused(account(e, "staff"), SESAME_R_ROLE);
        assert_int_equal(fake_dir.role_checks, 3);

        /* expired, and the directory down: no role from the old answer */
        e->roles[0] = "staff";
        fx->conf->role_ttl = 1;
        cache_flush(fx->x.cache);
        assert_int_equal(account(e, "staff").status, SESAME_ST_OK);
        (void)usleep(1100 * 1000);
        fake_dir.roles_unavail = true;
        assert_int_equal(account(e, "staff").status, SESAME_ST_UNAVAIL);
        fake_dir.roles_unavail = false;

        /* role_ttl = 0: every check asks */
        fx->conf->role_ttl = 0;
        fake_dir.role_checks = 0;
        assert_int_equal(account(e, "staff").status, SESAME_ST_OK);
        assert_int_equal(account(e, "staff").status, SESAME_ST_OK);
        assert_int_equal(fake_dir.role_checks, 2);
}

static void password_change(void **state _unused_)
{
        struct fake_entry *e = fake_add("heidi", "h3idi-Pass", 10008);
        struct ans a;

        a = chauthtok(e, "guess", "N3w-Password!");
        assert_int_equal(a.status, SESAME_ST_AUTH_FAILED);
        assert_int_equal(e->attempts_counted, 1);
        assert_int_equal(e->passwd_changes, 0);
        /* the directory's policy refuses: its words reach the user */
        fake_dir.reject_newpw = "N3w-Password!";
        a = chauthtok(e, "h3idi-Pass", "N3w-Password!");
        assert_int_equal(a.status, SESAME_ST_BAD_PASSWORD);
        assert_string_equal(a.message, "Password fails quality checking policy");
        fake_dir.reject_newpw = NULL;
        /* the old password alone: checked, nothing changed */
        assert_int_equal(chauthtok(e, "h3idi-Pass", NULL).status, SESAME_ST_OK);
        assert_int_equal(e->passwd_changes, 0);
        a = chauthtok(e, "h3idi-Pass", "N3w-Password!");
        assert_int_equal(a.status, SESAME_ST_OK);
        assert_int_equal(e->passwd_changes, 1);
        assert_string_equal(e->password, "N3w-Password!");
        assert_int_equal(e->token_stamps, 1); /* outstanding reset links die */
}

static void directory_unavailable(void **state _unused_)
{
        struct fake_entry *e = fake_add("alice", "s3cret-Pass", 10001);

        fake_dir.unavail = true;
        assert_int_equal(auth(e, &(struct req){ .password = "s3cret-Pass" }).status, SESAME_ST_UNAVAIL);
        assert_int_equal(account(e, NULL).status, SESAME_ST_UNAVAIL);
        assert_int_equal(chauthtok(e, "s3cret-Pass", NULL).status, SESAME_ST_UNAVAIL);
        assert_int_equal(e->attempts_counted, 0);
}

/* A failure that cannot be written (an ACL, a read-only replica) must
 * not leave the guessing unbounded: no password is checked any more. */
static void unrecorded_failure_refuses(void **state _unused_)
{
        struct fake_entry *e = fake_add("alice", "s3cret-Pass", 10001);
        struct ans a;

        fake_dir.readonly = true;
        for (int i = 0; i < 5 * MAX_FAILURES; i++) {
                a = auth(e, &(struct req){ .password = "guess" });
                assert_int_not_equal(a.status, SESAME_ST_OK);
        }
        a = auth(e, &(struct req){ .password = "s3cret-Pass" });
        assert_int_equal(a.status, SESAME_ST_UNAVAIL);
        assert_int_equal(chauthtok(e, "s3cret-Pass", NULL).status, SESAME_ST_UNAVAIL);
        /* not one of those passwords reached the directory */
        assert_int_equal(e->binds, 0);
        fake_dir.readonly = false;
        assert_int_equal(auth(e, &(struct req){ .password = "s3cret-Pass" }).status, SESAME_ST_OK);
}

/* max_failures attempts counted by other logins (on this host or
 * another) whose binds have not answered yet: this one must not bind. */
static void attempts_counted_before_bind(void **state _unused_)
{
        struct fake_entry *e = fake_add("alice", "s3cret-Pass", 10001);
        struct ans a;

        e->st.has_failures = e->st.has_failure_time = true;
        e->st.failures = MAX_FAILURES;
        e->st.failure_time = time(NULL) - 5;
        a = auth(e, &(struct req){ .password = "s3cret-Pass" });
        assert_int_equal(a.status, SESAME_ST_AUTH_FAILED);
        assert_int_equal(e->binds, 0);
        /* and the exhausted window is a lock */
        assert_true(e->st.has_locked_until);
        assert_int_equal(chauthtok(e, "s3cret-Pass", NULL).status, SESAME_ST_AUTH_FAILED);
        assert_int_equal(e->binds, 0);
}

/* Another login fails (and locks) while this one's right password is
 * being checked. */
static void other_fails_during_bind(struct fake_entry *e)
{
        e->st.failures++;
        e->st.has_locked_until = true;
        e->st.locked_until = time(NULL) + LOCKOUT;
}

static void success_keeps_a_fresh_lock(void **state _unused_)
{
        struct fake_entry *e = fake_add("alice", "s3cret-Pass", 10001);
        struct ans a;

        e->st.has_failures = e->st.has_failure_time = true;
        e->st.failures = MAX_FAILURES - 2;
        e->st.failure_time = time(NULL) - 5;
        fake_dir.during_bind = other_fails_during_bind;
        a = auth(e, &(struct req){ .password = "s3cret-Pass" });
        fake_dir.during_bind = NULL;
        /* this login was within the limit; the reset it would do is not
         * its to do any more: the count moved since it read it */
        assert_int_equal(a.status, SESAME_ST_OK);
        assert_true(e->st.has_failures);
        assert_int_equal(e->st.failures, MAX_FAILURES);
        assert_true(e->st.has_locked_until);
        assert_int_equal(auth(e, &(struct req){ .password = "s3cret-Pass" }).status, SESAME_ST_AUTH_FAILED);
}

/* Knowing a name must not be enough to keep its owner out of logins
 * that check no password (SSH keys), nor to learn that it is locked. */
static void lock_is_for_passwords_only(void **state _unused_)
{
        struct fake_entry *e = fake_add("alice", "s3cret-Pass", 10001);
        struct ans a, b;

        for (int i = 0; i < MAX_FAILURES; i++)
                assert_int_equal(auth(e, &(struct req){ .password = "guess" }).status, SESAME_ST_AUTH_FAILED);
        assert_true(e->st.has_locked_until);
        a = auth(e, &(struct req){ .password = "guess" });
        b = auth(e, &(struct req){ .password = "s3cret-Pass" });
        assert_int_equal(a.status, SESAME_ST_AUTH_FAILED);
        assert_int_equal(a.reason, 0);
        assert_int_equal(a.locked_until, 0);
        /* the right password while locked: the same answer as a wrong one */
        assert_int_equal(b.status, a.status);
        assert_int_equal(b.reason, a.reason);
        assert_int_equal(b.locked_until, a.locked_until);
        assert_string_equal(b.message, a.message);
        /* the account phase (after a key) is not the lock's business */
        a = account(e, NULL);
        assert_int_equal(a.status, SESAME_ST_OK);
        assert_string_equal(a.user, "alice");
        /* an administrator's sesameDisabled still is */
        e->st.disabled = true;
        assert_refused(account(e, NULL), SESAME_R_DISABLED);
}

/* LOGIN that names nobody, answered as dispatch.c answers it. */
static struct ans auth_unknown(const char *login)
{
        uint8_t frame[SESAME_BUF_MAX];
        struct proto_writer w;
        struct proto_msg req, m;
        struct ans a = { .status = UINT32_MAX };
        size_t len;

        proto_begin(&w, frame, sizeof(frame), SESAME_REQ_AUTH);
        assert_int_equal(proto_put_str(&w, SESAME_F_LOGIN, login), 0);
        assert_int_equal(proto_put_str(&w, SESAME_F_PASSWORD, "guess"), 0);
        assert_int_equal(proto_put_str(&w, SESAME_F_SERVICE, "login"), 0);
        assert_int_equal(proto_put_u32(&w, SESAME_F_TOTP_MODE, SESAME_TOTP_OFF), 0);
        assert_int_equal(proto_end(&w, &len), 0);
        assert_int_equal(proto_send(fx->peer, frame, len, now_ms() + 2000), 0);
        assert_int_equal(proto_recv(fx->cl.fd, fx->cl.buf, sizeof(fx->cl.buf), &req, now_ms() + 2000), 0);
        struct call c = { .cl = &fx->cl, .x = &fx->x, .req = &req, .login = login, .started = now_ms() };
        auth_unresolved(&c, OUT_NOTFOUND);
        assert_int_equal(client_end(&fx->cl, SESAME_ST_NOTFOUND, NULL), 0);
        assert_int_equal(proto_recv(fx->peer, frame, sizeof(frame), &m, now_ms() + 2000), 0);
        assert_int_equal(m.opcode, SESAME_ANS_END);
        a.status = proto_get_u32(&m, SESAME_F_STATUS, UINT32_MAX);
        return a;
}

/* A failure is answered no sooner than the floor after the request
 * came, whether the account exists or not, so that the time of the
 * answer does not tell.  (Only the lower bound is asserted here: the
 * two distributions are the benchmark's to show.) */
static void failures_answered_after_the_floor(void **state _unused_)
{
        struct fake_entry *e = fake_add("alice", "s3cret-Pass", 10001);
        int64_t t0;
        struct ans a;

        t0 = now_ms();
        a = auth(e, &(struct req){ .password = "guess" });
        assert_int_equal(a.status, SESAME_ST_AUTH_FAILED);
        assert_true(now_ms() - t0 >= AUTH_FAILURE_FLOOR_MS);
        t0 = now_ms();
        a = auth_unknown("nosuchuser");
        assert_int_equal(a.status, SESAME_ST_NOTFOUND);
        assert_true(now_ms() - t0 >= AUTH_FAILURE_FLOOR_MS);
        /* a success is not held back */
        t0 = now_ms();
        assert_int_equal(auth(e, &(struct req){ .password = "s3cret-Pass" }).status, SESAME_ST_OK);
        assert_true(now_ms() - t0 < AUTH_FAILURE_FLOOR_MS);
}

/* ------------------------------------------ the uncounted check (attempts.h) */

/* The failure count as each bind found it (fake_dir.during_bind). */
static uint32_t count_at_bind[16];
static size_t n_binds_seen;

static void note_count(struct fake_entry *e)
{
        if (n_binds_seen < ELEMENTSOF(count_at_bind))
                count_at_bind[n_binds_seen++] = e->st.has_failures ? e->st.failures : 0;
}

/* Once this host knows it may write an account's failure state (the
 * first login asks, with a modify that changes nothing), a right
 * password in a clean window costs the directory no write: not
 * counted, so nothing to reset.  [auth] strict_count keeps both. */
static void clean_login_writes_nothing(void **state _unused_)
{
        struct fake_entry *e = fake_add("alice", "s3cret-Pass", 10001);
        struct req rq = { .password = "s3cret-Pass" };

        assert_int_equal(auth(e, &rq).status, SESAME_ST_OK);
        assert_int_equal(e->probes, 1);
        for (int i = 0; i < 3; i++)
                assert_int_equal(auth(e, &rq).status, SESAME_ST_OK);
        assert_int_equal(e->binds, 4);
        assert_int_equal(e->probes, 1); /* asked once */
        assert_int_equal(e->attempts_counted, 0);
        assert_int_equal(e->resets, 0);
        fx->conf->strict_count = true;
        assert_int_equal(auth(e, &rq).status, SESAME_ST_OK);
        assert_int_equal(e->attempts_counted, 1);
        assert_int_equal(e->resets, 1);
}

/* An entry the service DN may not write is never checked uncounted:
 * its first login is counted first, which fails, and nothing is
 * checked (unrecorded_failure_refuses for the rest). */
static void unprovable_entry_counted_first(void **state _unused_)
{
        struct fake_entry *e = fake_add("alice", "s3cret-Pass", 10001);

        fake_dir.readonly = true;
        assert_int_equal(auth(e, &(struct req){ .password = "s3cret-Pass" }).status, SESAME_ST_UNAVAIL);
        assert_int_equal(e->probes, 1);
        assert_int_equal(e->binds, 0);
        assert_int_equal(attempts_claim(e->dn), ATTEMPTS_UNPROVEN);
}

/* The uncounted check is counted when it fails; the next one, in a
 * window that now holds a failure, is counted before its bind. */
static void uncounted_failure_counted_after(void **state _unused_)
{
        struct fake_entry *e = fake_add("alice", "s3cret-Pass", 10001);
        struct ans a;

        assert_int_equal(auth(e, &(struct req){ .password = "s3cret-Pass" }).status, SESAME_ST_OK);
        n_binds_seen = 0;
        fake_dir.during_bind = note_count;
        for (int i = 0; i < MAX_FAILURES; i++) {
                a = auth(e, &(struct req){ .password = "guess" });
                assert_int_equal(a.status, SESAME_ST_AUTH_FAILED);
        }
        fake_dir.during_bind = NULL;
        assert_int_equal(n_binds_seen, MAX_FAILURES);
        assert_int_equal(count_at_bind[0], 0); /* uncounted */
        for (size_t i = 1; i < n_binds_seen; i++)
                assert_int_equal(count_at_bind[i], i + 1); /* counted first */
        assert_int_equal(e->st.failures, MAX_FAILURES);
        assert_true(e->st.has_locked_until);
        /* the lock holds as ever */
        a = auth(e, &(struct req){ .password = "s3cret-Pass" });
        assert_int_equal(a.status, SESAME_ST_AUTH_FAILED);
        assert_int_equal(e->binds, 1 + MAX_FAILURES);
}

/* A wrong code after a right password, in the uncounted check: the
 * failure is counted all the same. */
static void uncounted_wrong_code_counted(void **state _unused_)
{
        struct fake_entry *e = fake_add("carol", "c4rol-Pass", 10003);
        struct req rq = { .password = "c4rol-Pass", .totp_mode = SESAME_TOTP_REQUIRED };
        char code[7], bad[7];

        enrol(e);
        code_at(time(NULL), code);
        rq.code = code;
        assert_int_equal(auth(e, &rq).status, SESAME_ST_OK);
        assert_int_equal(e->attempts_counted, 0);
        wrong_code(bad);
        rq.code = bad;
        assert_int_equal(auth(e, &rq).status, SESAME_ST_AUTH_FAILED);
        assert_int_equal(e->attempts_counted, 1);
        assert_true(e->st.has_failures);
        assert_int_equal(e->st.failures, 1);
}

/* While another login of the account holds this host's uncounted check,
 * a check waits for it (bounded by the request's deadline) and is then
 * counted first; while a counted check is on its way to the directory,
 * no uncounted one starts. */
static void one_uncounted_check_per_host(void **state _unused_)
{
        struct fake_entry *e = fake_add("alice", "s3cret-Pass", 10001);
        struct req rq = { .password = "s3cret-Pass" };
        bool homeless;

        assert_int_equal(auth(e, &rq).status, SESAME_ST_OK);
        assert_int_equal(attempts_claim(e->dn), ATTEMPTS_CLAIMED);
        assert_int_equal(attempts_claim(e->dn), ATTEMPTS_BUSY);
        fx->cl.deadline = now_ms() + 300;
        assert_int_equal(auth(e, &rq).status, SESAME_ST_UNAVAIL);
        fx->cl.deadline = 0;
        assert_int_equal(e->binds, 1); /* it did not bind */
        attempts_release(e->dn);
        assert_int_equal(attempts_count_begin(e->dn, now_ms() + 1000, &homeless), 0);
        assert_false(homeless);
        assert_int_equal(attempts_claim(e->dn), ATTEMPTS_BUSY);
        attempts_count_end(e->dn, homeless);
        assert_int_equal(attempts_claim(e->dn), ATTEMPTS_CLAIMED);
        attempts_release(e->dn);
        assert_int_equal(auth(e, &rq).status, SESAME_ST_OK);
        assert_int_equal(e->attempts_counted, 0); /* the unavailable one's wait ended uncounted */
}

/* A failure state this host could write before and cannot any more (an
 * ACL changed): the uncounted check that finds out is the last check
 * made; every later one must be counted first, and is not made. */
static void uncounted_then_unwritable(void **state _unused_)
{
        struct fake_entry *e = fake_add("alice", "s3cret-Pass", 10001);
        struct ans a;

        assert_int_equal(auth(e, &(struct req){ .password = "s3cret-Pass" }).status, SESAME_ST_OK);
        fake_dir.readonly = true;
        for (int i = 0; i < 5 * MAX_FAILURES; i++) {
                a = auth(e, &(struct req){ .password = "guess" });
                assert_int_not_equal(a.status, SESAME_ST_OK);
        }
        assert_int_equal(e->binds, 2);
        a = auth(e, &(struct req){ .password = "s3cret-Pass" });
        assert_int_equal(a.status, SESAME_ST_UNAVAIL);
        assert_int_equal(e->binds, 2);
}

/* The table is bounded: many more accounts than it holds, and each
 * still works (counted first when it has no room). */
static void attempts_table_bounded(void **state _unused_)
{
        char dn[64];
        size_t claimed = 0;

        for (size_t i = 0; i < 4 * ATTEMPTS_SLOTS; i++) {
                (void)snprintf(dn, sizeof(dn), "uid=u%zu,dc=example", i);
                attempts_written(dn, true);
        }
        for (size_t i = 0; i < 4 * ATTEMPTS_SLOTS; i++) {
                (void)snprintf(dn, sizeof(dn), "uid=u%zu,dc=example", i);
                if (attempts_claim(dn) == ATTEMPTS_CLAIMED)
                        claimed++; /* held: those entries are busy now */
        }
        assert_true(claimed > 0);
        assert_true(claimed <= ATTEMPTS_SLOTS);
        /* with every entry busy, a new account is counted first */
        for (size_t i = 0; i < 4 * ATTEMPTS_SLOTS; i++) {
                (void)snprintf(dn, sizeof(dn), "uid=u%zu,dc=example", i);
                attempts_release(dn);
        }
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(generator_matches_oathtool),
                T(right_password),
                T(wrong_password),
                T(lockout),
                T(code_required),
                T(code_required_strict),
                T(code_with_wrong_password),
                T(no_totp_enrolled),
                T(disabled),
                T(expired),
                T(unconfirmed),
                T(missing_role),
                T(role_answers_reused),
                T(password_change),
                T(directory_unavailable),
                T(unrecorded_failure_refuses),
                T(attempts_counted_before_bind),
                T(success_keeps_a_fresh_lock),
                T(lock_is_for_passwords_only),
                T(failures_answered_after_the_floor),
                T(clean_login_writes_nothing),
                T(unprovable_entry_counted_first),
                T(uncounted_failure_counted_after),
                T(uncounted_wrong_code_counted),
                T(one_uncounted_check_per_host),
                T(uncounted_then_unwritable),
                T(attempts_table_bounded),
        };
#undef T

        log_open("test-auth", true, LOG_WARNING);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
