/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * check.c - the sesamectl commands about the installation and sesamed
 * itself rather than an account: check, ping and flush-cache.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf.h"
#include "config.h"
#include "json.h"
#include "macro.h"
#include "proto.h"
#include "sesamectl.h"
#include "util.h"

#define KEY_FILE_LEN 32

/* -------------------------------------------------------- ping, flush */

int cmd_ping(char **args)
{
        struct answer a;
        int r;

        (void)args;
        r = request_ok(SESAME_REQ_PING, NULL, NULL, 0, &a);
        if (r != 0)
                return r;
        return done(NULL, "ok");
}

int cmd_flush_cache(char **args)
{
        struct answer a;
        int r;

        (void)args;
        r = request_ok(SESAME_REQ_CACHE_FLUSH, NULL, NULL, 0, &a);
        if (r != 0)
                return r;
        return done(NULL, "cache flushed");
}

/* ---------------------------------------------------------------- check */

/* The [totp] key_file rules (seal.h): a regular file, not a symbolic
 * link, owned by root, no access for group or others, exactly 32 bytes. */
static int check_key_file(const char *path, char *err, size_t errsize)
{
        _cleanup_close_ int fd = -1;
        uint8_t key[KEY_FILE_LEN + 1];
        struct stat st;
        size_t len = 0;

        fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0) {
                if (errno == ELOOP)
                        snprintf(err, errsize, "%s: is a symbolic link (refused)", path);
                else if (errno == ENOENT)
                        snprintf(err, errsize, "%s: does not exist; create it with: sesamectl key generate",
                                 path);
                else
                        snprintf(err, errsize, "%s: cannot open: %s", path, proto_strerror(-errno));
                return -1;
        }
        if (fstat(fd, &st) < 0) {
                snprintf(err, errsize, "%s: cannot stat: %s", path, proto_strerror(-errno));
                return -1;
        }
        if (!S_ISREG(st.st_mode)) {
                snprintf(err, errsize, "%s: not a regular file", path);
                return -1;
        }
        if (st.st_uid != 0) {
                snprintf(err, errsize, "%s: owned by uid %u; must be owned by root", path, (unsigned)st.st_uid);
                return -1;
        }
        if (st.st_mode & (S_IRWXG | S_IRWXO)) {
                snprintf(err, errsize, "%s: mode %04o gives group or others access; run: chmod 0600 %s", path,
                         (unsigned)(st.st_mode & 07777), path);
                return -1;
        }
        if (st.st_size != KEY_FILE_LEN) {
                snprintf(err, errsize, "%s: %jd bytes; must be exactly %d", path, (intmax_t)st.st_size,
                         KEY_FILE_LEN);
                return -1;
        }
        /* read it too: the size could change after fstat() */
        while (len < sizeof(key)) {
                ssize_t n = read(fd, key + len, sizeof(key) - len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        erase(key, sizeof(key));
                        snprintf(err, errsize, "%s: read failed: %s", path, proto_strerror(-errno));
                        return -1;
                }
                if (n == 0)
                        break;
                len += (size_t)n;
        }
        erase(key, sizeof(key));
        if (len != KEY_FILE_LEN) {
                snprintf(err, errsize, "%s: %zu bytes; must be exactly %d", path, len, KEY_FILE_LEN);
                return -1;
        }
        return 0;
}

struct check_result {
        bool ok, skipped;
        const char *path; /* what was checked */
        char why[2048];   /* FAILED: why / ok: extra */
};

static void check_print(const char *label, const struct check_result *c)
{
        if (c->ok)
                printf("%s: ok%s%s%s\n", label, c->path ? " (" : "", c->path ? c->path : "", c->path ? ")" : "");
        else
                printf("%s: FAILED: %s\n", label, c->why);
}

static void check_json(const char *key, const char *pathkey, const struct check_result *c)
{
        json_key(&J, key);
        json_object_begin(&J);
        json_key(&J, "ok");
        json_bool(&J, c->ok);
        json_key(&J, pathkey);
        json_string(&J, c->path);
        json_key(&J, "error");
        json_string(&J, c->ok ? NULL : c->why);
        json_object_end(&J);
}

/* What 'sesamectl check' found. */
struct check_report {
        struct check_result config, key, sesamed;
        char key_path[PATH_MAX];              /* the configuration is freed before the report */
        char sd_status[32];                   /* sesamed's status word, or "unreachable" */
        char sd_message[SESAME_TEXT_MAX + 1]; /* the MESSAGE of its answer, "" if none */
};

/* 1. the configuration, as sesamed loads it */
static struct sesame_conf *check_config(struct check_report *rep, const char *path)
{
        struct sesame_conf *conf = NULL;
        int r;

        rep->config.path = path;
        r = conf_load(path, &conf, rep->config.why, sizeof(rep->config.why));
        rep->config.ok = r >= 0;
        return conf;
}

/* 2. the TOTP key file */
static void check_key(struct check_report *rep, const struct sesame_conf *conf)
{
        struct check_result *key = &rep->key;

        if (conf) {
                (void)strcpy_bounded(rep->key_path, sizeof(rep->key_path), conf->totp_key_file);
                key->path = rep->key_path;
                key->ok = check_key_file(conf->totp_key_file, key->why, sizeof(key->why)) == 0;
        } else {
                key->skipped = true;
                snprintf(key->why, sizeof(key->why), "not checked: the configuration did not load");
        }
}

/* 3. sesamed: its LDAP connection and its loaded key (REQ_CHECK on
 * socket_path) */
static void check_sesamed(struct check_report *rep)
{
        struct check_result *sd = &rep->sesamed;
        int64_t deadline = now_ms() + (int64_t)arg_timeout * 1000;
        uint8_t frame[64], *buf = NULL;
        struct proto_writer w;
        struct proto_msg m;
        _cleanup_close_ int fd = -1;
        size_t len = 0;
        int r;

        sd->path = socket_path;
        proto_begin(&w, frame, sizeof(frame), SESAME_REQ_CHECK);
        r = proto_end(&w, &len);
        fd = r == 0 ? connect_admin(deadline, sd->why, sizeof(sd->why)) : -1;
        if (r != 0)
                snprintf(sd->why, sizeof(sd->why), "cannot encode the request: %s", proto_strerror(r));
        if (fd < 0)
                return;
        r = proto_send(fd, frame, len, deadline);
        buf = r == 0 ? malloc(SESAME_BUF_MAX) : NULL;
        if (r != 0)
                snprintf(sd->why, sizeof(sd->why), "sending to sesamed: %s",
                         r == -ETIMEDOUT ? "timed out" : proto_strerror(r));
        else if (!buf)
                snprintf(sd->why, sizeof(sd->why), "out of memory");
        else if ((r = proto_recv(fd, buf, SESAME_BUF_MAX, &m, deadline)) != 0)
                snprintf(sd->why, sizeof(sd->why), "%s",
                         r == -ETIMEDOUT ? "sesamed did not answer in time"
                         : r == SESAME_E_EOF ? "sesamed closed the connection without an answer"
                                             : proto_strerror(r));
        else if (m.opcode != SESAME_ANS_END)
                snprintf(sd->why, sizeof(sd->why), "bad answer from sesamed: unexpected frame 0x%04x",
                         (unsigned)m.opcode);
        else {
                uint32_t st = proto_get_u32(&m, SESAME_F_STATUS, SESAME_ST_INTERNAL);

                snprintf(rep->sd_status, sizeof(rep->sd_status), "%s", status_word(st));
                field_str(&m, SESAME_F_MESSAGE, rep->sd_message, sizeof(rep->sd_message));
                sd->ok = st == SESAME_ST_OK;
                if (!sd->ok)
                        snprintf(sd->why, sizeof(sd->why), "%s%s%s", status_text(st),
                                 rep->sd_message[0] ? ": " : "", rep->sd_message);
        }
        free(buf);
}

static void check_report_json(const struct check_report *rep)
{
        const struct check_result *sd = &rep->sesamed;

        json_object_begin(&J);
        json_key(&J, "status");
        json_string(&J, rep->config.ok && rep->key.ok && sd->ok ? "ok" : "failed");
        check_json("config", "path", &rep->config);
        check_json("key_file", "path", &rep->key);
        json_key(&J, "sesamed");
        json_object_begin(&J);
        json_key(&J, "ok");
        json_bool(&J, sd->ok);
        json_key(&J, "socket");
        json_string(&J, sd->path);
        json_key(&J, "status");
        json_string(&J, rep->sd_status);
        json_key(&J, "message");
        json_string(&J, rep->sd_message[0] ? rep->sd_message : NULL);
        json_key(&J, "error");
        json_string(&J, sd->ok ? NULL : sd->why);
        json_object_end(&J);
        json_object_end(&J);
        json_finish(&J);
}

/* Text from the configuration and sesamed is sanitised in place. */
static void check_report_text(struct check_report *rep)
{
        const struct check_result *sd = &rep->sesamed;

        sanitize(rep->config.why);
        sanitize(rep->sesamed.why);
        sanitize(rep->sd_message);
        check_print("configuration", &rep->config);
        check_print("key file", &rep->key);
        if (sd->ok)
                printf("sesamed: ok (%s%s%s)\n", sd->path, rep->sd_message[0] ? ": " : "", rep->sd_message);
        else
                printf("sesamed: FAILED: %s\n", sd->why);
}

int cmd_check(char **args)
{
        struct check_report rep = { .sd_status = "unreachable" };
        struct sesame_conf *conf;
        bool unreachable;
        int r;

        (void)args;
        conf = check_config(&rep, arg_config ? arg_config : SESAME_CONF_PATH);
        check_key(&rep, conf);
        /* a broken configuration may still name the socket directory */
        r = resolve_socket(conf, true);
        conf = conf_free(conf);
        if (r != 0)
                return r;
        check_sesamed(&rep);
        unreachable = !rep.sesamed.ok && strcmp(rep.sd_status, "unreachable") == 0;

        if (arg_json)
                check_report_json(&rep);
        else
                check_report_text(&rep);
        if (!rep.config.ok || !rep.key.ok || (!rep.sesamed.ok && !unreachable))
                return EXIT_FAILED;
        return unreachable ? EXIT_UNREACHABLE : EXIT_OK;
}
