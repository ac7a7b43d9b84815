/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * check.c - the sesamectl commands about the installation and sesamed
 * itself rather than an account: check, ping and flush-cache.
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "config.h"
#include "json.h"
#include "macro.h"
#include "proto.h"
#include "seal.h"
#include "sesamectl.h"
#include "util.h"

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

/* 2. the TOTP key file, read as sesamed reads it (seal.c) */
static void check_key(struct check_report *rep, const struct sesame_conf *conf)
{
        struct check_result *key = &rep->key;

        if (conf) {
                (void)strcpy_bounded(rep->key_path, sizeof(rep->key_path), conf->totp_key_file);
                key->path = rep->key_path;
                key->ok = seal_key_check(conf->totp_key_file, key->why, sizeof(key->why)) == 0;
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
        struct answer a;

        sd->path = socket_path;
        if (exchange(SESAME_REQ_CHECK, NULL, NULL, 0, &a, sd->why, sizeof(sd->why)) != 0)
                return;
        snprintf(rep->sd_status, sizeof(rep->sd_status), "%s", status_word(a.end.status));
        snprintf(rep->sd_message, sizeof(rep->sd_message), "%s", a.end.message);
        sd->ok = a.end.status == SESAME_ST_OK;
        if (!sd->ok)
                snprintf(sd->why, sizeof(sd->why), "%s%s%s", status_text(a.end.status),
                         rep->sd_message[0] ? ": " : "", rep->sd_message);
        answer_free(&a);
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
        r = resolve_socket();
        if (r != 0)
                return r;
        conf = check_config(&rep, arg_config ? arg_config : SESAME_CONF_PATH);
        check_key(&rep, conf);
        conf = conf_free(conf);
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
