/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * conf.c - the sesame.conf parser.
 *
 * One row of keys[] per key: section, name, type, where it lives in struct
 * sesame_conf, its default (as the text a file would hold, parsed by the
 * same code), range and flags.  Parsing stops at the first problem, which
 * is written to the caller's buffer as "FILE:LINE: SECTION.KEY: PROBLEM".
 * The file and the bindpw_file are read with safefile_read*(), whose
 * rules they must meet.
 *
 * libc only, no logging: this is linked into the thin clients too.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "conf.h"
#include "macro.h"
#include "safefile.h"
#include "util.h"

#define CONF_LINE_MAX 4096
#define WHY_MAX 320    /* one problem, without the "FILE:LINE: KEY: " prefix */
#define QUOTE_INPUT 64 /* value bytes quoted in a message */
#define QUOTE_MAX (QUOTE_INPUT * 4 + 8)

enum conf_type {
        CT_STRING,  /* any text */
        CT_PATH,    /* absolute path */
        CT_FILTER,  /* one parenthesised LDAP filter */
        CT_ATTR,    /* LDAP attribute name */
        CT_URIS,    /* 1..CONF_URIS_MAX ldap://, ldaps://, ldapi:// URIs */
        CT_U32,     /* decimal in [min, max] */
        CT_SECONDS, /* decimal seconds in [min, max] */
        CT_BOOL,    /* yes/no, true/false, on/off, 1/0 */
        CT_SCHEMA,  /* enum conf_group_schema */
        CT_TOTP_ALG, /* enum conf_totp_alg */
        CT_URL,     /* http:// or https:// URL, printable ASCII, no query or fragment */
        CT_SMTP_URL, /* smtp:// or smtps:// URL, printable ASCII */
};

/* Names of the enum-valued types, in enum order. */
static const char *const schema_names[] = { "rfc2307", "rfc2307bis", NULL };
static const char *const totp_alg_names[] = { "sha1", "sha256", "sha512", NULL };

static const char *const *enum_names(enum conf_type t)
{
        return t == CT_TOTP_ALG ? totp_alg_names : schema_names;
}

enum {
        CF_REQUIRED = 1 << 0, /* must be in the file */
        CF_EMPTY_OK = 1 << 1, /* "key =" is allowed and means unset (NULL) */
        CF_SECRET = 1 << 2,   /* never printed: "***" in dumps, not quoted in messages */
};

struct conf_key {
        const char *section;
        const char *key;
        enum conf_type type;
        size_t offset; /* in struct sesame_conf */
        const char *def; /* NULL: no default (unset) */
        uint32_t min, max;
        unsigned flags;
};

#define K(sec, k, t, field, d, lo, hi, fl) \
        { sec, k, t, offsetof(struct sesame_conf, field), d, lo, hi, fl }
#define STR(sec, k, t, field, d, fl) K(sec, k, t, field, d, 0, 0, fl)
#define NUM(sec, k, t, field, d, lo, hi) K(sec, k, t, field, d, lo, hi, 0)

/* Sections in file order; conf_dump() prints keys[] in this order. */
static const char *const sections[] = { "ldap", "map", "nss", "daemon", "auth", "totp", "password", "hooks",
                                        "web", "mail" };
/* "[ldap], [map], ..." fits, with room for a few more (more is cut short) */
#define SECTIONS_TEXT_MAX 160

static const struct conf_key keys[] = {
        STR("ldap", "uri", CT_URIS, uri, NULL, CF_REQUIRED),
        STR("ldap", "base", CT_STRING, base, NULL, CF_REQUIRED),
        STR("ldap", "binddn", CT_STRING, binddn, NULL, CF_EMPTY_OK),
        STR("ldap", "bindpw_file", CT_PATH, bindpw_file, NULL, CF_EMPTY_OK),
        STR("ldap", "starttls", CT_BOOL, starttls, "no", 0),
        STR("ldap", "ca_file", CT_PATH, ca_file, NULL, CF_EMPTY_OK),
        NUM("ldap", "connect_timeout", CT_SECONDS, connect_timeout, "3", 1, 300),
        NUM("ldap", "timeout", CT_SECONDS, timeout, "6", 1, 600),
        NUM("ldap", "idle_timeout", CT_SECONDS, idle_timeout, "60", 1, 86400),
        NUM("ldap", "page_size", CT_U32, page_size, "500", 1, 10000),
        STR("ldap", "user_base", CT_STRING, user_base, NULL, CF_EMPTY_OK),
        STR("ldap", "user_filter", CT_FILTER, user_filter, "(objectClass=posixAccount)", 0),
        STR("ldap", "group_base", CT_STRING, group_base, NULL, CF_EMPTY_OK),
        STR("ldap", "group_filter", CT_FILTER, group_filter, "(objectClass=posixGroup)", 0),
        STR("ldap", "group_schema", CT_SCHEMA, group_schema, "rfc2307", 0),

        STR("map", "user_name", CT_ATTR, map_user_name, "uid", 0),
        STR("map", "uid_number", CT_ATTR, map_uid_number, "uidNumber", 0),
        STR("map", "gid_number", CT_ATTR, map_gid_number, "gidNumber", 0),
        STR("map", "gecos", CT_ATTR, map_gecos, "gecos", 0),
        STR("map", "home", CT_ATTR, map_home, "homeDirectory", 0),
        STR("map", "shell", CT_ATTR, map_shell, "loginShell", 0),
        STR("map", "mail", CT_ATTR, map_mail, "mail", 0),
        STR("map", "group_name", CT_ATTR, map_group_name, "cn", 0),
        STR("map", "group_gid_number", CT_ATTR, map_group_gid_number, "gidNumber", 0),
        STR("map", "member_uid", CT_ATTR, map_member_uid, "memberUid", 0),
        STR("map", "member", CT_ATTR, map_member, "member", 0),

        /* uid/gid 0 from LDAP would be root: never; (uid_t)-1 is not an id */
        NUM("nss", "min_uid", CT_U32, min_uid, "1000", 1, UINT32_MAX - 1),
        NUM("nss", "min_gid", CT_U32, min_gid, "1000", 1, UINT32_MAX - 1),
        NUM("nss", "cache_ttl", CT_SECONDS, cache_ttl, "300", 0, 86400),
        NUM("nss", "negative_ttl", CT_SECONDS, negative_ttl, "60", 0, 86400),
        NUM("nss", "cache_max", CT_U32, cache_max, "200000", 100, 10000000),
        NUM("nss", "negative_max", CT_U32, negative_max, "20000", 0, 10000000),
        STR("nss", "enumerate", CT_BOOL, enumerate, "yes", 0),
        STR("nss", "cache_map", CT_BOOL, cache_map, "yes", 0),
        NUM("nss", "enum_cache_mb", CT_U32, enum_cache_mb, "64", 0, 4096),

        NUM("daemon", "max_clients", CT_U32, max_clients, "256", 1, 10000),
        NUM("daemon", "ldap_connections", CT_U32, ldap_connections, "4", 1, 64),
        NUM("daemon", "workers", CT_U32, workers, "8", 1, 256),
        NUM("daemon", "reconnect_interval", CT_SECONDS, reconnect_interval, "5", 1, 3600),
        NUM("daemon", "client_timeout", CT_SECONDS, client_timeout, "10", 1, 600),
        NUM("daemon", "rate_limit", CT_U32, rate_limit, "20", 0, 100000),
        NUM("daemon", "rate_burst", CT_U32, rate_burst, "200", 1, 1000000),

        STR("auth", "mail_login", CT_BOOL, mail_login, "yes", 0),
        NUM("auth", "max_failures", CT_U32, max_failures, "5", 1, 1000),
        NUM("auth", "failure_window", CT_SECONDS, failure_window, "900", 1, 86400),
        NUM("auth", "lockout_time", CT_SECONDS, lockout_time, "900", 1, 31536000),
        STR("auth", "require_confirmed_email", CT_BOOL, require_confirmed_email, "no", 0),
        STR("auth", "track_logins", CT_BOOL, track_logins, "no", 0),
        STR("auth", "strict_count", CT_BOOL, strict_count, "no", 0),
        NUM("auth", "role_ttl", CT_SECONDS, role_ttl, "60", 0, 3600),

        STR("totp", "key_file", CT_PATH, totp_key_file, "/etc/sesame/totp.key", 0),
        STR("totp", "issuer", CT_STRING, totp_issuer, "Sesame", 0),
        STR("totp", "algorithm", CT_TOTP_ALG, totp_algorithm, "sha1", 0),
        NUM("totp", "digits", CT_U32, totp_digits, "6", 6, 8),
        NUM("totp", "period", CT_SECONDS, totp_period, "30", 10, 300),
        NUM("totp", "window", CT_U32, totp_window, "1", 0, 10),

        NUM("password", "min_length", CT_U32, pw_min_length, "10", 1, 512),
        NUM("password", "min_classes", CT_U32, pw_min_classes, "3", 1, 4),
        STR("password", "reject_username", CT_BOOL, pw_reject_username, "yes", 0),

        STR("hooks", "program", CT_PATH, hook_program, NULL, CF_EMPTY_OK),
        STR("hooks", "events", CT_STRING, hook_events, NULL, CF_EMPTY_OK),
        NUM("hooks", "timeout", CT_SECONDS, hook_timeout, "10", 1, 3600),

        STR("web", "user", CT_STRING, web_user, "sesame-web", 0),
        STR("web", "listen", CT_STRING, web_listen, "127.0.0.1:8470", 0),
        STR("web", "base_url", CT_URL, web_base_url, "http://127.0.0.1:8470", 0),
        STR("web", "app_name", CT_STRING, web_app_name, "Sesame", 0),
        NUM("web", "reset_lifetime", CT_SECONDS, web_reset_lifetime, "1800", 1, 86400),
        NUM("web", "confirm_lifetime", CT_SECONDS, web_confirm_lifetime, "172800", 1, 1209600),
        NUM("web", "rate_window", CT_SECONDS, web_rate_window, "900", 1, 86400),
        NUM("web", "rate_per_address", CT_U32, web_rate_per_address, "20", 1, 100000),
        NUM("web", "rate_per_account", CT_U32, web_rate_per_account, "3", 1, 1000),
        STR("web", "tls_cert", CT_PATH, web_tls_cert, NULL, CF_EMPTY_OK),
        STR("web", "tls_key", CT_PATH, web_tls_key, NULL, CF_EMPTY_OK),
        STR("web", "registration", CT_BOOL, web_registration, "no", 0),
        STR("web", "register_uid_counter", CT_STRING, web_register_uid_counter, NULL, CF_EMPTY_OK),
        NUM("web", "register_uid_min", CT_U32, web_register_uid_min, "10000", 1, UINT32_MAX - 1),
        NUM("web", "register_uid_max", CT_U32, web_register_uid_max, "59999", 1, UINT32_MAX - 1),
        NUM("web", "register_gid", CT_U32, web_register_gid, "100", 1, UINT32_MAX - 1),
        STR("web", "register_home", CT_PATH, web_register_home, "/home/%u", 0),
        STR("web", "register_shell", CT_PATH, web_register_shell, "/bin/bash", 0),

        STR("mail", "spool_dir", CT_PATH, mail_spool_dir, "/var/spool/sesame", 0),
        STR("mail", "smtp_url", CT_SMTP_URL, mail_smtp_url, "smtp://localhost", 0),
        STR("mail", "starttls", CT_BOOL, mail_starttls, "yes", 0),
        STR("mail", "ca_file", CT_PATH, mail_ca_file, NULL, CF_EMPTY_OK),
        STR("mail", "user", CT_STRING, mail_user, NULL, CF_EMPTY_OK),
        STR("mail", "password_file", CT_PATH, mail_password_file, NULL, CF_EMPTY_OK),
        STR("mail", "from", CT_STRING, mail_from, "sesame@localhost", 0),
        STR("mail", "template_dir", CT_PATH, mail_template_dir, "/etc/sesame/mail", 0),
        NUM("mail", "retry_interval", CT_SECONDS, mail_retry_interval, "60", 1, 3600),
        STR("mail", "notify_password_changed", CT_BOOL, mail_notify_password_changed, "yes", 0),
        STR("mail", "notify_totp_enabled", CT_BOOL, mail_notify_totp_enabled, "yes", 0),
        STR("mail", "notify_totp_disabled", CT_BOOL, mail_notify_totp_disabled, "yes", 0),
        STR("mail", "notify_account_locked", CT_BOOL, mail_notify_account_locked, "yes", 0),
};

#define FIELD(c, k, type) ((type *)(void *)((char *)(c) + (k)->offset))
#define CFIELD(c, k, type) ((type const *)(const void *)((const char *)(c) + (k)->offset))

static bool is_string_type(enum conf_type t)
{
        return t == CT_STRING || t == CT_PATH || t == CT_FILTER || t == CT_ATTR || t == CT_URL || t == CT_SMTP_URL;
}

static bool is_blank(char ch)
{
        return ch == ' ' || ch == '\t';
}

static bool is_alpha(char ch)
{
        return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z');
}

static bool is_digit(char ch)
{
        return ch >= '0' && ch <= '9';
}

static bool is_xdigit(char ch)
{
        return is_digit(ch) || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F');
}

/* @s as "..." for a message: at most QUOTE_INPUT bytes, anything but
 * printable ASCII as \xNN.  @buf must hold QUOTE_MAX bytes. */
static const char *quote(const char *s, char *buf)
{
        size_t o = 0, i;

        buf[o++] = '"';
        for (i = 0; s[i] && i < QUOTE_INPUT; i++) {
                unsigned char ch = (unsigned char)s[i];

                if (ch < 0x20 || ch >= 0x7f || ch == '"' || ch == '\\')
                        o += (size_t)snprintf(buf + o, QUOTE_MAX - o, "\\x%02x", ch);
                else
                        buf[o++] = (char)ch;
        }
        if (s[i]) {
                memcpy(buf + o, "...", 3);
                o += 3;
        }
        buf[o++] = '"';
        buf[o] = '\0';
        return buf;
}

/* The value as a message shows it: quoted, or not at all for a secret. */
static const char *show(const struct conf_key *k, const char *v, char *buf)
{
        if (k->flags & CF_SECRET)
                return "the value";
        return quote(v, buf);
}

static int check_filter(const struct conf_key *k, const char *v, char *why)
{
        char q[QUOTE_MAX];
        size_t n = strlen(v);
        int depth = 0;

        if (n < 3 || v[0] != '(' || v[n - 1] != ')')
                return errf(why, WHY_MAX, -EINVAL, "%s is not an LDAP filter in parentheses",
                            show(k, v, q));
        for (size_t i = 0; i < n; i++) {
                if (v[i] == '\\') {
                        if (!is_xdigit(v[i + 1]) || !is_xdigit(v[i + 2]))
                                return errf(why, WHY_MAX, -EINVAL,
                                            "%s: a backslash must be followed by two hex digits",
                                            show(k, v, q));
                        i += 2;
                } else if (v[i] == '(') {
                        if (v[i + 1] == ')')
                                return errf(why, WHY_MAX, -EINVAL, "%s has an empty \"()\"",
                                            show(k, v, q));
                        depth++;
                } else if (v[i] == ')') {
                        depth--;
                        /* back to depth 0 before the end: "(a)(b)", "(a))(" */
                        if (depth == 0 && i != n - 1)
                                depth = -1;
                        if (depth < 0)
                                break;
                }
        }
        if (depth != 0)
                return errf(why, WHY_MAX, -EINVAL, "%s has unbalanced parentheses", show(k, v, q));
        return 0;
}

/* Links in mails are this URL plus a path: it must be absolute, and hold
 * nothing a mail or an HTML attribute would have to escape. */
static int check_url(const struct conf_key *k, const char *v, char *why)
{
        char q[QUOTE_MAX];
        size_t n = strlen(v);

        if (strncasecmp(v, "http://", 7) != 0 && strncasecmp(v, "https://", 8) != 0)
                return errf(why, WHY_MAX, -EINVAL, "%s is not an http:// or https:// URL", show(k, v, q));
        if (n <= (v[4] == ':' ? 7u : 8u) || v[n - 1] == '/')
                return errf(why, WHY_MAX, -EINVAL, "%s: a host is needed, and no '/' at the end",
                            show(k, v, q));
        for (size_t i = 0; i < n; i++)
                if (v[i] <= 0x20 || v[i] >= 0x7f || strchr("?#\"'<>\\`", v[i]))
                        return errf(why, WHY_MAX, -EINVAL,
                                    "%s: blanks, control characters, quotes, '<', '>', '?' and '#' "
                                    "are not allowed",
                                    show(k, v, q));
        return 0;
}

static int check_string(const struct conf_key *k, const char *v, char *why)
{
        char q[QUOTE_MAX];

        switch (k->type) {
        case CT_PATH:
                if (v[0] != '/')
                        return errf(why, WHY_MAX, -EINVAL, "%s is not an absolute path",
                                    show(k, v, q));
                return 0;
        case CT_FILTER:
                return check_filter(k, v, why);
        case CT_URL:
                return check_url(k, v, why);
        case CT_SMTP_URL:
                if (strncasecmp(v, "smtp://", 7) != 0 && strncasecmp(v, "smtps://", 8) != 0)
                        return errf(why, WHY_MAX, -EINVAL, "%s is not an smtp:// or smtps:// URL", show(k, v, q));
                for (size_t i = 0; v[i]; i++)
                        if (v[i] <= 0x20 || v[i] >= 0x7f)
                                return errf(why, WHY_MAX, -EINVAL, "%s: blanks and control characters are not "
                                            "allowed", show(k, v, q));
                return 0;
        case CT_ATTR:
                /* it goes into LDAP filters: nothing that could change one */
                for (size_t i = 0; v[i]; i++)
                        if (!(is_alpha(v[i]) || (i > 0 && (is_digit(v[i]) || v[i] == '-'))))
                                return errf(why, WHY_MAX, -EINVAL,
                                            "%s is not an attribute name ([A-Za-z][A-Za-z0-9-]*)",
                                            show(k, v, q));
                return 0;
        default:
                return 0;
        }
}

static int set_string(struct sesame_conf *c, const struct conf_key *k, const char *v, char *why)
{
        char **field = FIELD(c, k, char *);
        char *copy = NULL;
        int r;

        if (*v) {
                r = check_string(k, v, why);
                if (r < 0)
                        return r;
                copy = strdup(v);
                if (!copy)
                        return errf(why, WHY_MAX, -ENOMEM, "out of memory");
        }
        if (k->flags & CF_SECRET)
                erase_and_free(*field);
        else
                free(*field);
        *field = copy;
        return 0;
}

static bool uri_scheme_ok(const char *u)
{
        static const char *const schemes[] = { "ldap://", "ldaps://", "ldapi://" };

        for (size_t i = 0; i < ELEMENTSOF(schemes); i++)
                if (strncasecmp(u, schemes[i], strlen(schemes[i])) == 0)
                        return true;
        return false;
}

static void free_uris(char **uri, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                free(uri[i]);
                uri[i] = NULL;
        }
}

static int set_uris(struct sesame_conf *c, const char *v, char *why)
{
        char *uri[CONF_URIS_MAX + 1] = { NULL };
        char q[QUOTE_MAX];
        size_t n = 0;

        for (const char *p = v; *p;) {
                size_t len;

                while (is_blank(*p))
                        p++;
                if (!*p)
                        break;
                for (len = 0; p[len] && !is_blank(p[len]); len++)
                        ;
                if (n == CONF_URIS_MAX) {
                        free_uris(uri, n);
                        return errf(why, WHY_MAX, -EINVAL, "too many URIs (at most %d)",
                                    CONF_URIS_MAX);
                }
                uri[n] = strndup(p, len);
                if (!uri[n]) {
                        free_uris(uri, n);
                        return errf(why, WHY_MAX, -ENOMEM, "out of memory");
                }
                if (!uri_scheme_ok(uri[n]) || strchr(uri[n], ',')) {
                        /* libldap would take "ldap://a,ldap://b" for two */
                        errf(why, WHY_MAX, -EINVAL,
                             strchr(uri[n], ',') ? "%s: separate URIs with blanks, not commas"
                                                 : "%s is not an ldap://, ldaps:// or ldapi:// URI",
                             quote(uri[n], q));
                        free_uris(uri, n + 1);
                        return -EINVAL;
                }
                /* lower-case scheme: users compare with "ldap://" */
                for (char *s = uri[n]; *s != ':'; s++)
                        if (*s >= 'A' && *s <= 'Z')
                                *s = (char)(*s - 'A' + 'a');
                n++;
                p += len;
        }
        if (n == 0)
                return errf(why, WHY_MAX, -EINVAL, "value must not be empty");
        free_uris(c->uri, c->n_uri);
        memcpy(c->uri, uri, sizeof(uri));
        c->n_uri = n;
        return 0;
}

static int set_u32(struct sesame_conf *c, const struct conf_key *k, const char *v, char *why)
{
        char q[QUOTE_MAX];
        uint32_t u;
        int r;

        r = parse_u32(v, k->min, k->max, &u);
        if (r == -ERANGE)
                /* parse_u32() only says -ERANGE for a string of digits */
                return errf(why, WHY_MAX, -ERANGE, "%s is out of range (%" PRIu32 "..%" PRIu32 "%s)",
                            show(k, v, q), k->min, k->max, k->type == CT_SECONDS ? " seconds" : "");
        if (r < 0)
                return errf(why, WHY_MAX, -EINVAL, "%s is not a number", show(k, v, q));
        *FIELD(c, k, uint32_t) = u;
        return 0;
}

static int set_bool(struct sesame_conf *c, const struct conf_key *k, const char *v, char *why)
{
        static const char *const yes[] = { "yes", "true", "on", "1" };
        static const char *const no[] = { "no", "false", "off", "0" };
        char q[QUOTE_MAX];

        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                if (strcasecmp(v, yes[i]) == 0) {
                        *FIELD(c, k, bool) = true;
                        return 0;
                }
                if (strcasecmp(v, no[i]) == 0) {
                        *FIELD(c, k, bool) = false;
                        return 0;
                }
        }
        return errf(why, WHY_MAX, -EINVAL, "%s is not a boolean (yes/no, true/false, on/off, 1/0)",
                    show(k, v, q));
}

/* An enum-valued key: stored as an int, the index of its name. */
_Static_assert(sizeof(enum conf_group_schema) == sizeof(int) && sizeof(enum conf_totp_alg) == sizeof(int),
               "enum keys are stored as int");

static int set_enum(struct sesame_conf *c, const struct conf_key *k, const char *v, char *why)
{
        const char *const *names = enum_names(k->type);
        char q[QUOTE_MAX], list[128] = "";

        for (int i = 0; names[i]; i++)
                if (strcasecmp(v, names[i]) == 0) {
                        *FIELD(c, k, int) = i;
                        return 0;
                }
        for (int i = 0; names[i]; i++) {
                strncat(list, i ? ", " : "", sizeof(list) - strlen(list) - 1);
                strncat(list, names[i], sizeof(list) - strlen(list) - 1);
        }
        return errf(why, WHY_MAX, -EINVAL, "%s is not one of: %s", show(k, v, q), list);
}

/* Set one key from its text (blanks at both ends already dropped). */
static int set_value(struct sesame_conf *c, const struct conf_key *k, const char *v, char *why)
{
        if (!*v && !(k->flags & CF_EMPTY_OK))
                return errf(why, WHY_MAX, -EINVAL, "value must not be empty");
        switch (k->type) {
        case CT_URIS:
                return set_uris(c, v, why);
        case CT_U32:
        case CT_SECONDS:
                return set_u32(c, k, v, why);
        case CT_BOOL:
                return set_bool(c, k, v, why);
        case CT_SCHEMA:
        case CT_TOTP_ALG:
                return set_enum(c, k, v, why);
        default:
                return set_string(c, k, v, why);
        }
}

struct parser {
        const char *name;
        unsigned line;
        int section; /* index in sections[], -1 before the first header */
        unsigned seen[ELEMENTSOF(keys)]; /* line a key was set on, 0: not yet */
        struct sesame_conf *c;
        char *err;
        size_t errsize;
};

static const struct conf_key *find_key(int section, const char *key, size_t *idx)
{
        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                if (strcmp(keys[i].section, sections[section]) == 0 && strcmp(keys[i].key, key) == 0) {
                        if (idx)
                                *idx = i;
                        return &keys[i];
                }
        return NULL;
}

static char *trim(char *s)
{
        char *e;

        while (is_blank(*s))
                s++;
        e = s + strlen(s);
        while (e > s && is_blank(e[-1]))
                *--e = '\0';
        return s;
}

static int parse_section(struct parser *p, char *s)
{
        char *name, known[SECTIONS_TEXT_MAX];
        size_t n = strlen(s), o = 0;

        if (n < 2 || s[n - 1] != ']')
                return errf(p->err, p->errsize, -EINVAL, "%s:%u: bad section header (expected \"[name]\")",
                            p->name, p->line);
        s[n - 1] = '\0';
        name = trim(s + 1);
        for (size_t i = 0; i < ELEMENTSOF(sections); i++)
                if (strcmp(name, sections[i]) == 0) {
                        p->section = (int)i;
                        return 0;
                }
        if (!*name || strpbrk(name, "[]"))
                return errf(p->err, p->errsize, -EINVAL, "%s:%u: bad section header (expected \"[name]\")",
                            p->name, p->line);
        /* the list comes from sections[], so a new section cannot be left out */
        for (size_t i = 0; i < ELEMENTSOF(sections) && o < sizeof(known); i++)
                o += (size_t)snprintf(known + o, sizeof(known) - o, "%s[%s]", i ? ", " : "", sections[i]);
        return errf(p->err, p->errsize, -EINVAL, "%s:%u: unknown section [%.64s] (known: %s)", p->name,
                    p->line, name, known);
}

/* A line with neither '=' nor '[': name the key if it starts with one. */
static int missing_equals(struct parser *p, char *s)
{
        const struct conf_key *k;

        s[strcspn(s, " \t")] = '\0';
        if (p->section >= 0 && (k = find_key(p->section, s, NULL)))
                return errf(p->err, p->errsize, -EINVAL, "%s:%u: %s.%s: missing \"=\" after the key",
                            p->name, p->line, k->section, k->key);
        return errf(p->err, p->errsize, -EINVAL,
                    "%s:%u: expected \"key = value\", \"[section]\" or a comment", p->name, p->line);
}

static int parse_assignment(struct parser *p, char *s, char *eq)
{
        const struct conf_key *k;
        char why[WHY_MAX], *key, *value;
        size_t idx;
        int r;

        *eq = '\0';
        key = trim(s);
        value = trim(eq + 1);
        if (!*key)
                return errf(p->err, p->errsize, -EINVAL, "%s:%u: missing key before \"=\"", p->name,
                            p->line);
        if (p->section < 0)
                return errf(p->err, p->errsize, -EINVAL, "%s:%u: %.64s: key before any [section] header",
                            p->name, p->line, key);
        k = find_key(p->section, key, &idx);
        if (!k)
                return errf(p->err, p->errsize, -EINVAL, "%s:%u: %s.%.64s: unknown key", p->name,
                            p->line, sections[p->section], key);
        if (p->seen[idx])
                return errf(p->err, p->errsize, -EINVAL, "%s:%u: %s.%s: duplicate key (first set on line %u)",
                            p->name, p->line, k->section, k->key, p->seen[idx]);
        p->seen[idx] = p->line;
        r = set_value(p->c, k, value, why);
        if (r < 0)
                return errf(p->err, p->errsize, r, "%s:%u: %s.%s: %s", p->name, p->line, k->section,
                            k->key, why);
        return 0;
}

static int parse_line(struct parser *p, char *line)
{
        char *s = trim(line), *eq;

        if (!*s || *s == '#' || *s == ';')
                return 0;
        if (*s == '[')
                return parse_section(p, s);
        eq = strchr(s, '=');
        if (!eq)
                return missing_equals(p, s);
        return parse_assignment(p, s, eq);
}

/* Checks on the raw line: length, NUL bytes, control characters. */
static int check_raw_line(struct parser *p, const char *s, size_t n)
{
        if (n > CONF_LINE_MAX)
                return errf(p->err, p->errsize, -EINVAL, "%s:%u: line is longer than %d bytes",
                            p->name, p->line, CONF_LINE_MAX);
        for (size_t i = 0; i < n; i++) {
                unsigned char ch = (unsigned char)s[i];

                if (ch == '\0')
                        return errf(p->err, p->errsize, -EINVAL, "%s:%u: NUL byte in the file", p->name,
                                    p->line);
                if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
                        return errf(p->err, p->errsize, -EINVAL,
                                    "%s:%u: control character 0x%02x in the line%s", p->name, p->line,
                                    ch, ch == '\r' ? " (DOS line endings?)" : "");
        }
        return 0;
}

static int parse_text(struct parser *p, const char *text, size_t len)
{
        char line[CONF_LINE_MAX + 1];
        size_t pos = 0;

        while (pos < len) {
                const char *start = text + pos;
                const char *nl = memchr(start, '\n', len - pos);
                size_t n = nl ? (size_t)(nl - start) : len - pos;
                int r;

                pos += n + (nl ? 1 : 0);
                p->line++;
                r = check_raw_line(p, start, n);
                if (r < 0)
                        return r;
                memcpy(line, start, n);
                line[n] = '\0';
                r = parse_line(p, line);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int apply_defaults(const char *name, struct sesame_conf *c, char *err, size_t errsize)
{
        char why[WHY_MAX];

        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                int r;

                if (!keys[i].def)
                        continue;
                r = set_value(c, &keys[i], keys[i].def, why);
                if (r < 0)
                        return errf(err, errsize, r, "%s: %s.%s: built-in default: %s", name,
                                    keys[i].section, keys[i].key, why);
        }
        return 0;
}

static int base_default(const char *name, char **field, const char *base, char *err, size_t errsize)
{
        if (*field)
                return 0;
        *field = strdup(base);
        if (!*field)
                return errf(err, errsize, -ENOMEM, "%s: out of memory", name);
        return 0;
}

/* [web] registration needs a counter and a range of uids that NSS
 * serves; the home pattern may hold "%u" (the user name) and no other
 * '%'. */
static int check_registration(struct parser *p)
{
        const struct sesame_conf *c = p->c;
        const char *h;

        for (h = strchr(c->web_register_home, '%'); h; h = strchr(h + 2, '%'))
                if (h[1] != 'u')
                        return errf(p->err, p->errsize, -EINVAL,
                                    "%s: web.register_home: only %%u (the user name) may follow a '%%'", p->name);
        if (!c->web_registration)
                return 0;
        if (!c->web_register_uid_counter)
                return errf(p->err, p->errsize, -EINVAL,
                            "%s: web.register_uid_counter: required when web.registration is on", p->name);
        if (c->web_register_uid_min > c->web_register_uid_max || c->web_register_uid_min < c->min_uid)
                return errf(p->err, p->errsize, -EINVAL,
                            "%s: web.register_uid_min: must be at least nss.min_uid and at most "
                            "web.register_uid_max",
                            p->name);
        return 0;
}

/* After the last line: required keys, keys that need each other, defaults
 * that depend on other keys. */
static int finish(struct parser *p)
{
        struct sesame_conf *c = p->c;
        int r;

        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                if ((keys[i].flags & CF_REQUIRED) && !p->seen[i])
                        return errf(p->err, p->errsize, -EINVAL, "%s: %s.%s: required key is missing",
                                    p->name, keys[i].section, keys[i].key);
        if (c->binddn && !c->bindpw_file)
                return errf(p->err, p->errsize, -EINVAL,
                            "%s: ldap.bindpw_file: required when ldap.binddn is set", p->name);
        if (c->bindpw_file && !c->binddn)
                return errf(p->err, p->errsize, -EINVAL,
                            "%s: ldap.binddn: required when ldap.bindpw_file is set", p->name);
        r = check_registration(p);
        if (r < 0)
                return r;
        r = base_default(p->name, &c->user_base, c->base, p->err, p->errsize);
        if (r < 0)
                return r;
        return base_default(p->name, &c->group_base, c->base, p->err, p->errsize);
}

int conf_parse(const char *name, const char *text, size_t len, struct sesame_conf **ret, char *err,
               size_t errsize)
{
        struct parser p = {
                .name = name ? name : "(config)",
                .section = -1,
                .err = err,
                .errsize = errsize,
        };
        int r;

        if (!ret || (!text && len > 0))
                return errf(err, errsize, -EINVAL, "%s: invalid arguments", p.name);
        if (err && errsize)
                err[0] = '\0';
        p.c = calloc(1, sizeof(*p.c));
        if (!p.c)
                return errf(err, errsize, -ENOMEM, "%s: out of memory", p.name);
        r = apply_defaults(p.name, p.c, err, errsize);
        if (r >= 0)
                r = parse_text(&p, text, len);
        if (r >= 0)
                r = finish(&p);
        if (r < 0) {
                conf_free(p.c);
                return r;
        }
        *ret = p.c;
        return 0;
}

struct sesame_conf *conf_free(struct sesame_conf *c)
{
        if (!c)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                char **field;

                if (!is_string_type(keys[i].type))
                        continue;
                field = FIELD(c, &keys[i], char *);
                if (keys[i].flags & CF_SECRET)
                        erase_and_free(*field);
                else
                        free(*field);
        }
        free_uris(c->uri, CONF_URIS_MAX);
        erase_and_free(c->bindpw);
        erase(c, sizeof(*c));
        free(c);
        return NULL;
}

static void dump_key(const struct sesame_conf *c, const struct conf_key *k, FILE *f)
{
        switch (k->type) {
        case CT_URIS:
                fprintf(f, "%s =", k->key);
                for (size_t i = 0; i < c->n_uri; i++)
                        fprintf(f, " %s", c->uri[i]);
                fputc('\n', f);
                break;
        case CT_U32:
        case CT_SECONDS:
                fprintf(f, "%s = %" PRIu32 "\n", k->key, *CFIELD(c, k, uint32_t));
                break;
        case CT_BOOL:
                fprintf(f, "%s = %s\n", k->key, *CFIELD(c, k, bool) ? "yes" : "no");
                break;
        case CT_SCHEMA:
        case CT_TOTP_ALG:
                fprintf(f, "%s = %s\n", k->key, enum_names(k->type)[*CFIELD(c, k, int)]);
                break;
        default: {
                const char *v = *CFIELD(c, k, char *);

                if (!v || !*v)
                        fprintf(f, "%s =\n", k->key);
                else
                        fprintf(f, "%s = %s\n", k->key, (k->flags & CF_SECRET) ? "***" : v);
                break;
        }
        }
}

void conf_dump(const struct sesame_conf *c, FILE *f)
{
        const char *section = NULL;

        if (!c || !f)
                return;
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                const struct conf_key *k = &keys[i];

                if (!section || strcmp(section, k->section) != 0) {
                        fprintf(f, "%s[%s]\n", section ? "\n" : "", k->section);
                        section = k->section;
                }
                dump_key(c, k, f);
                if (k->offset == offsetof(struct sesame_conf, bindpw_file) && c->bindpw)
                        fputs("# bindpw (read from bindpw_file) = ***\n", f);
        }
}

/* First line of c->bindpw_file into c->bindpw.  Read into this stack
 * buffer rather than a malloc'd one, so that one erase() wipes every copy
 * but the one kept. */
static int load_bindpw(struct sesame_conf *c, const char *path, char *err, size_t errsize)
{
        char buf[CONF_SECRET_MAX], msg[512];
        size_t len = 0, n;
        const char *nl;
        int r;

        r = safefile_read(c->bindpw_file, SAFEFILE_SECRET, buf, sizeof(buf), &len, msg, sizeof(msg));
        if (r < 0)
                return errf(err, errsize, r, "%s: ldap.bindpw_file: %s", path, msg);
        nl = memchr(buf, '\n', len);
        n = nl ? (size_t)(nl - buf) : len;
        if (n == 0)
                r = errf(err, errsize, -EINVAL, "%s: ldap.bindpw_file: %s: the password (first line) is empty",
                         path, c->bindpw_file);
        else if (memchr(buf, '\0', n))
                r = errf(err, errsize, -EINVAL, "%s: ldap.bindpw_file: %s: NUL byte in the password", path,
                         c->bindpw_file);
        else if (!(c->bindpw = strndup(buf, n)))
                r = errf(err, errsize, -ENOMEM, "%s: out of memory", path);
        erase(buf, sizeof(buf));
        return r;
}

int conf_load(const char *path, struct sesame_conf **ret, char *err, size_t errsize)
{
        _cleanup_free_ char *text = NULL;
        struct sesame_conf *c = NULL;
        size_t len = 0;
        int r;

        if (!ret)
                return errf(err, errsize, -EINVAL, "%s: invalid arguments", path ? path : "(null)");
        r = safefile_read_alloc(path, SAFEFILE_CONFIG, CONF_FILE_MAX, &text, &len, err, errsize);
        if (r < 0)
                return r;
        r = conf_parse(path, text, len, &c, err, errsize);
        if (r < 0)
                return r;
        if (c->bindpw_file) {
                r = load_bindpw(c, path, err, errsize);
                if (r < 0) {
                        conf_free(c);
                        return r;
                }
        }
        *ret = c;
        return 0;
}
