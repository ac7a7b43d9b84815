/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * conf.h - /etc/sesame/sesame.conf: a sectioned "key = value" file.
 *
 *   # comment            (a line whose first non-blank is '#' or ';')
 *   [section]
 *   key = value          (blanks around '=' and at both ends are dropped)
 *
 * Every key, its default and its meaning are in conf/sesame.conf and
 * sesame.conf(5).  Parsing is table-driven (conf.c); every problem is one
 * message "FILE:LINE: KEY: PROBLEM" and makes conf_load() fail, so a typo
 * never runs with a default the administrator did not mean.
 *
 * The LDAP bind password is not in this file: [ldap] bindpw_file names a
 * separate file.  Both are read with safefile_read*(): the configuration
 * as SAFEFILE_CONFIG, the password file as SAFEFILE_SECRET.
 *
 * Non-logging: errors go to the caller's buffer.
 */
#ifndef SESAME_CONF_H
#define SESAME_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CONF_URIS_MAX 8
#define CONF_FILE_MAX (64 * 1024)
#define CONF_SECRET_MAX 1024

enum conf_group_schema {
        CONF_SCHEMA_RFC2307 = 0,   /* posixGroup memberUid: user names */
        CONF_SCHEMA_RFC2307BIS = 1 /* member: user DNs */
};

enum conf_totp_alg {
        CONF_TOTP_SHA1 = 0,
        CONF_TOTP_SHA256 = 1,
        CONF_TOTP_SHA512 = 2,
};

struct sesame_conf {
        /* [ldap] */
        /* Every string below is non-NULL after parsing, except binddn,
         * bindpw_file, ca_file (NULL when unset or empty) and bindpw. */
        char *uri[CONF_URIS_MAX + 1]; /* uri = URI [URI...], tried in order; NULL-terminated */
        size_t n_uri;             /* 1..CONF_URIS_MAX */
        char *base;               /* required */
        char *binddn;             /* NULL: anonymous */
        char *bindpw_file;        /* required when binddn is set (and vice versa) */
        char *bindpw;             /* read from bindpw_file by conf_load(), else NULL; wipe on free */
        bool starttls;            /* StartTLS on ldap:// URIs; failure is an error; default no */
        char *ca_file;            /* CA bundle for ldaps:// and StartTLS; NULL: system default */
        uint32_t connect_timeout; /* seconds, default 3 */
        uint32_t timeout;         /* seconds per operation, default 6 */
        uint32_t idle_timeout;    /* seconds a pooled connection may idle before it is replaced, default 60 */
        uint32_t page_size;       /* paged results, default 500 */
        char *user_base;          /* default: base */
        char *user_filter;        /* default (objectClass=posixAccount) */
        char *group_base;         /* default: base */
        char *group_filter;       /* default (objectClass=posixGroup) */
        enum conf_group_schema group_schema; /* rfc2307 (default) | rfc2307bis */

        /* [map]: attribute names */
        char *map_user_name;        /* uid */
        char *map_uid_number;       /* uidNumber */
        char *map_gid_number;       /* gidNumber */
        char *map_gecos;            /* gecos (falls back to cn when absent) */
        char *map_home;             /* homeDirectory */
        char *map_shell;            /* loginShell */
        char *map_mail;             /* mail */
        char *map_group_name;       /* cn */
        char *map_group_gid_number; /* gidNumber */
        char *map_member_uid;       /* memberUid (rfc2307) */
        char *map_member;           /* member (rfc2307bis) */

        /* [nss] */
        uint32_t min_uid;      /* default 1000 */
        uint32_t min_gid;      /* default 1000 */
        uint32_t cache_ttl;    /* seconds, default 300 */
        uint32_t negative_ttl; /* seconds, default 60 */
        uint32_t cache_max;    /* answers with data, default 200000 */
        uint32_t negative_max; /* not-found answers, on top, default 20000 */
        bool enumerate;        /* default true */
        bool cache_map;        /* publish SESAME_RUNDIR/nss.map, default true */
        uint32_t enum_cache_mb; /* largest enumeration snapshot, MiB; 0: none; default 64 */

        /* [daemon] */
        uint32_t max_clients;        /* concurrent connections, default 256 */
        uint32_t ldap_connections;   /* pool size, default 4 */
        uint32_t workers;            /* threads that serve requests, default 8; read at start */
        uint32_t reconnect_interval; /* seconds to fail fast after LDAP was unreachable, default 5 */
        uint32_t client_timeout;     /* seconds a client may stay idle, default 10 */
        uint32_t rate_limit;         /* directory requests a second per uid other than 0, default 20; 0: none */
        uint32_t rate_burst;         /* ... of which this many at once, default 200 */

        /* [auth] */
        bool mail_login;              /* the login name may be the email address, default yes */
        uint32_t max_failures;        /* failures (password or code) that lock, default 5 */
        uint32_t failure_window;      /* seconds they are counted over, default 900 */
        uint32_t lockout_time;        /* seconds an account stays locked, default 900 */
        bool require_confirmed_email; /* account phase refuses unconfirmed, default no */
        bool track_logins;            /* write sesameLastLogin/sesameLoginCount, default no */
        bool strict_count;            /* count every password check before it is made, default no */
        uint32_t role_ttl;            /* seconds a role check's answer is reused, default 60; 0: never */

        /* [totp] */
        char *totp_key_file;                /* 32-byte secretbox key, root-only; /etc/sesame/totp.key */
        char *totp_issuer;                  /* otpauth issuer, default "Sesame" */
        enum conf_totp_alg totp_algorithm;  /* for new enrolments, default sha1 */
        uint32_t totp_digits;               /* for new enrolments, 6..8, default 6 */
        uint32_t totp_period;               /* seconds per step, default 30 */
        uint32_t totp_window;               /* steps accepted either side, default 1 */

        /* [password] quality rules for a new password */
        uint32_t pw_min_length;   /* bytes, default 10 */
        uint32_t pw_min_classes;  /* of lower, upper, digit, other; default 3 */
        bool pw_reject_username;  /* must not contain the user name, default yes */

        /* [hooks] */
        char *hook_program; /* run for the events below; NULL: none */
        char *hook_events;  /* blank-separated event names; NULL: none */
        uint32_t hook_timeout; /* seconds before a hook is killed, default 10 */

        /* [web] self-service through sesame-web */
        char *web_user;              /* the user sesame-web runs as: the only non-root peer of web.sock */
        char *web_listen;            /* sesame-web's address: IPv4:port or [IPv6]:port, 127.0.0.1:8470 */
        char *web_base_url;          /* links in mails start with it; default http://127.0.0.1:8470 */
        char *web_app_name;          /* the name in mails and pages, default "Sesame" */
        uint32_t web_reset_lifetime;   /* seconds a reset link lives, default 1800 */
        uint32_t web_confirm_lifetime; /* seconds a confirmation link lives, default 172800 */
        uint32_t web_rate_window;      /* seconds the rate limits count over, default 900 */
        uint32_t web_rate_per_address; /* form posts per client address in the window, default 20 */
        uint32_t web_rate_per_account; /* link mails asked per login name in the window, default 3 */
        char *web_tls_cert; /* PEM certificate (chain) sesame-web serves HTTPS with; NULL: plain HTTP */
        char *web_tls_key;  /* its private key, a root-only file (read as root at start); both or neither */
        bool web_registration;         /* self-registration on sesame-web, default no */
        char *web_register_uid_counter; /* DN of the sesameIdPool entry; required with registration */
        uint32_t web_register_uid_min;  /* uid numbers handed out: min .. max, default 10000 */
        uint32_t web_register_uid_max;  /* default 59999 */
        uint32_t web_register_gid;      /* primary gid of a new account, default 100 (users) */
        char *web_register_home;        /* home directory, "%u" is the user name; /home/%u */
        char *web_register_shell;       /* login shell, default /bin/bash */

        /* [mail] */
        char *mail_spool_dir; /* sesamed writes mails here, sesame-web sends them; /var/spool/sesame */
        char *mail_smtp_url;      /* smtp://host[:port] or smtps://...; default smtp://localhost */
        bool mail_starttls;       /* smtp://: STARTTLS required, never cleartext; default yes */
        char *mail_ca_file;       /* CA bundle for the SMTP server; NULL: system default */
        char *mail_user;          /* SMTP AUTH user; NULL: no AUTH */
        char *mail_password_file; /* its password, a root-only file (read as root at start) */
        char *mail_from;          /* the From address, default sesame@localhost */
        char *mail_template_dir;  /* templates that override the shipped ones, /etc/sesame/mail */
        uint32_t mail_retry_interval; /* seconds before the first retry, doubling up to an hour; 60 */
        /* notices to the account's address, each default yes */
        bool mail_notify_password_changed; /* the password was changed, by any path */
        bool mail_notify_totp_enabled;     /* a TOTP seed was activated */
        bool mail_notify_totp_disabled;    /* TOTP was removed */
        bool mail_notify_account_locked;   /* the failure lock engaged */
};

/**
 * conf_load() - read, check and parse a configuration file.
 * @path: absolute path
 * @ret:  the new configuration (conf_free() it), set only on success
 * @err, @errsize: one "FILE:LINE: KEY: PROBLEM" message on failure
 *
 * The file is read as SAFEFILE_CONFIG (at most CONF_FILE_MAX bytes), the
 * bindpw_file as SAFEFILE_SECRET (at most CONF_SECRET_MAX bytes); see
 * safefile.h.  Return: 0, or -errno / -EINVAL.
 */
int conf_load(const char *path, struct sesame_conf **ret, char *err, size_t errsize)
        __attribute__((warn_unused_result));

/* Parse a buffer (no file checks, no bindpw_file read): for conf_load()
 * itself, unit tests and the fuzzer.  @name is used in messages. */
int conf_parse(const char *name, const char *text, size_t len, struct sesame_conf **ret, char *err,
               size_t errsize) __attribute__((warn_unused_result));

struct sesame_conf *conf_free(struct sesame_conf *c);

/* Write the effective configuration, every key, secrets as "***". */
void conf_dump(const struct sesame_conf *c, FILE *f);

#endif
