/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * test-conf.c - the sesame.conf parser (common/conf.c): defaults, every
 * key, every error class and its "FILE:LINE: KEY: PROBLEM" message,
 * conf_load() with a bind password file (the file rules themselves are
 * test-safefile.c's), conf_dump(), and the example conf/sesame.conf.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"
#include "config.h"
#include "macro.h"
#include "testfile.h"

#define NAME "test.conf"
#define MIN_LDAP "[ldap]\nuri = ldap://ldap.example.com\nbase = dc=example,dc=com\n"

static char err[1024];

/* ---- helpers --------------------------------------------------------- */

static struct sesame_conf *parse_ok_len(const char *text, size_t len)
{
        struct sesame_conf *c = NULL;
        int r = conf_parse(NAME, text, len, &c, err, sizeof(err));

        if (r < 0)
                print_error("unexpected failure: %s\n", err);
        assert_int_equal(r, 0);
        assert_non_null(c);
        return c;
}

static struct sesame_conf *parse_ok(const char *text)
{
        return parse_ok_len(text, strlen(text));
}

/* Parsing fails with a message starting with @prefix and containing @what. */
static void fails_len(const char *text, size_t len, const char *prefix, const char *what)
{
        struct sesame_conf *c = NULL;
        int r;

        err[0] = '\0';
        r = conf_parse(NAME, text, len, &c, err, sizeof(err));
        if (r >= 0 || strncmp(err, prefix, strlen(prefix)) != 0 || !strstr(err, what))
                print_error("input:\n%.300s\nmessage: %s\nwanted:  %s ... %s\n", text, err, prefix, what);
        assert_true(r < 0);
        assert_null(c);
        assert_true(strncmp(err, prefix, strlen(prefix)) == 0);
        assert_non_null(strstr(err, what));
        /* exactly one message: one line */
        assert_null(strchr(err, '\n'));
}

static void fails(const char *text, const char *prefix, const char *what)
{
        fails_len(text, strlen(text), prefix, what);
}

/* MIN_LDAP plus @extra; the result is static, @extra is printf-style. */
_printf_(1, 2) static const char *with(const char *fmt, ...)
{
        static char buf[16384];
        va_list ap;
        int n = snprintf(buf, sizeof(buf), "%s", MIN_LDAP);

        va_start(ap, fmt);
        (void)vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
        va_end(ap);
        return buf;
}

static char *dump_string(const struct sesame_conf *c)
{
        char *s = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&s, &n);

        assert_non_null(f);
        conf_dump(c, f);
        assert_int_equal(fclose(f), 0);
        assert_non_null(s);
        return s;
}

/* ---- defaults and every key ------------------------------------------ */

static void test_defaults(void **state)
{
        struct sesame_conf *c = parse_ok(MIN_LDAP);

        (void)state;
        assert_int_equal(c->n_uri, 1);
        assert_string_equal(c->uri[0], "ldap://ldap.example.com");
        assert_null(c->uri[1]);
        assert_string_equal(c->base, "dc=example,dc=com");
        assert_null(c->binddn);
        assert_null(c->bindpw_file);
        assert_null(c->bindpw);
        assert_false(c->starttls);
        assert_null(c->ca_file);
        assert_int_equal(c->connect_timeout, 3);
        assert_int_equal(c->timeout, 6);
        assert_int_equal(c->page_size, 500);
        assert_string_equal(c->user_base, "dc=example,dc=com");
        assert_string_equal(c->user_filter, "(objectClass=posixAccount)");
        assert_string_equal(c->group_base, "dc=example,dc=com");
        assert_string_equal(c->group_filter, "(objectClass=posixGroup)");
        assert_int_equal(c->group_schema, CONF_SCHEMA_RFC2307);
        assert_string_equal(c->map_user_name, "uid");
        assert_string_equal(c->map_uid_number, "uidNumber");
        assert_string_equal(c->map_gid_number, "gidNumber");
        assert_string_equal(c->map_gecos, "gecos");
        assert_string_equal(c->map_home, "homeDirectory");
        assert_string_equal(c->map_shell, "loginShell");
        assert_string_equal(c->map_mail, "mail");
        assert_string_equal(c->map_group_name, "cn");
        assert_string_equal(c->map_group_gid_number, "gidNumber");
        assert_string_equal(c->map_member_uid, "memberUid");
        assert_string_equal(c->map_member, "member");
        assert_int_equal(c->min_uid, 1000);
        assert_int_equal(c->min_gid, 1000);
        assert_int_equal(c->cache_ttl, 300);
        assert_int_equal(c->negative_ttl, 60);
        assert_int_equal(c->cache_max, 200000);
        assert_true(c->enumerate);
        assert_int_equal(c->max_clients, 256);
        assert_int_equal(c->ldap_connections, 4);
        assert_int_equal(c->workers, 8);
        assert_int_equal(c->reconnect_interval, 5);
        assert_int_equal(c->client_timeout, 10);
        assert_null(conf_free(c));
}

static const char full_conf[] =
        "[ldap]\n"
        "uri = ldaps://a.example.com ldap://b.example.com:389 ldapi://%2Frun%2Fslapd%2Fldapi\n"
        "base = dc=example,dc=com\n"
        "binddn = cn=sesame,ou=services,dc=example,dc=com\n"
        "bindpw_file = /etc/sesame/bindpw\n"
        "starttls = yes\n"
        "ca_file = /etc/ssl/certs/example-ca.pem\n"
        "connect_timeout = 7\n"
        "timeout = 20\n"
        "page_size = 1000\n"
        "user_base = ou=People,dc=example,dc=com\n"
        "user_filter = (&(objectClass=posixAccount)(!(uid=root)))\n"
        "group_base = ou=Groups,dc=example,dc=com\n"
        "group_filter = (|(objectClass=posixGroup)(objectClass=groupOfNames))\n"
        "group_schema = rfc2307bis\n"
        "[map]\n"
        "user_name = sAMAccountName\n"
        "uid_number = x-uid\n"
        "gid_number = x-gid\n"
        "gecos = displayName\n"
        "home = unixHomeDirectory\n"
        "shell = x-shell\n"
        "mail = mailPrimaryAddress\n"
        "group_name = x-groupName\n"
        "group_gid_number = x-groupGid\n"
        "member_uid = x-memberUid\n"
        "member = uniqueMember\n"
        "[nss]\n"
        "min_uid = 2000\n"
        "min_gid = 3000\n"
        "cache_ttl = 0\n"
        "negative_ttl = 86400\n"
        "cache_max = 100\n"
        "enumerate = no\n"
        "[daemon]\n"
        "max_clients = 10000\n"
        "ldap_connections = 64\n"
        "reconnect_interval = 3600\n"
        "client_timeout = 600\n";

static void test_every_key(void **state)
{
        struct sesame_conf *c = parse_ok(full_conf);

        (void)state;
        assert_int_equal(c->n_uri, 3);
        assert_string_equal(c->uri[0], "ldaps://a.example.com");
        assert_string_equal(c->uri[1], "ldap://b.example.com:389");
        assert_string_equal(c->uri[2], "ldapi://%2Frun%2Fslapd%2Fldapi");
        assert_null(c->uri[3]);
        assert_string_equal(c->base, "dc=example,dc=com");
        assert_string_equal(c->binddn, "cn=sesame,ou=services,dc=example,dc=com");
        assert_string_equal(c->bindpw_file, "/etc/sesame/bindpw");
        assert_null(c->bindpw); /* conf_parse() reads no file */
        assert_true(c->starttls);
        assert_string_equal(c->ca_file, "/etc/ssl/certs/example-ca.pem");
        assert_int_equal(c->connect_timeout, 7);
        assert_int_equal(c->timeout, 20);
        assert_int_equal(c->page_size, 1000);
        assert_string_equal(c->user_base, "ou=People,dc=example,dc=com");
        assert_string_equal(c->user_filter, "(&(objectClass=posixAccount)(!(uid=root)))");
        assert_string_equal(c->group_base, "ou=Groups,dc=example,dc=com");
        assert_string_equal(c->group_filter, "(|(objectClass=posixGroup)(objectClass=groupOfNames))");
        assert_int_equal(c->group_schema, CONF_SCHEMA_RFC2307BIS);
        assert_string_equal(c->map_user_name, "sAMAccountName");
        assert_string_equal(c->map_uid_number, "x-uid");
        assert_string_equal(c->map_gid_number, "x-gid");
        assert_string_equal(c->map_gecos, "displayName");
        assert_string_equal(c->map_home, "unixHomeDirectory");
        assert_string_equal(c->map_shell, "x-shell");
        assert_string_equal(c->map_mail, "mailPrimaryAddress");
        assert_string_equal(c->map_group_name, "x-groupName");
        assert_string_equal(c->map_group_gid_number, "x-groupGid");
        assert_string_equal(c->map_member_uid, "x-memberUid");
        assert_string_equal(c->map_member, "uniqueMember");
        assert_int_equal(c->min_uid, 2000);
        assert_int_equal(c->min_gid, 3000);
        assert_int_equal(c->cache_ttl, 0);
        assert_int_equal(c->negative_ttl, 86400);
        assert_int_equal(c->cache_max, 100);
        assert_false(c->enumerate);
        assert_int_equal(c->max_clients, 10000);
        assert_int_equal(c->ldap_connections, 64);
        assert_int_equal(c->reconnect_interval, 3600);
        assert_int_equal(c->client_timeout, 600);
        conf_free(c);
}

static void test_sections_any_order(void **state)
{
        /* sections in any order, a section may be opened twice */
        struct sesame_conf *c = parse_ok("[nss]\nmin_uid = 5000\n[ldap]\nuri = ldap://x\n"
                                         "[daemon]\nmax_clients = 3\n[ldap]\nbase = o=x\n");

        (void)state;
        assert_int_equal(c->min_uid, 5000);
        assert_int_equal(c->max_clients, 3);
        assert_string_equal(c->base, "o=x");
        conf_free(c);
}

static void test_empty_optional_values(void **state)
{
        struct sesame_conf *c = parse_ok(with("binddn =\nbindpw_file =\nca_file =\nuser_base =\n"
                                              "group_base =\n"));

        (void)state;
        assert_null(c->binddn);
        assert_null(c->bindpw_file);
        assert_null(c->ca_file);
        assert_string_equal(c->user_base, "dc=example,dc=com");
        assert_string_equal(c->group_base, "dc=example,dc=com");
        conf_free(c);
}

/* ---- syntax ------------------------------------------------------------ */

static void test_comments_and_blank_lines(void **state)
{
        struct sesame_conf *c = parse_ok("# leading comment\n"
                                         "; another style\n"
                                         "\n"
                                         "   \t \n"
                                         "\t# indented comment\n"
                                         "[ldap]\n"
                                         "# uri = ldap://commented.example.com\n"
                                         "uri = ldap://real.example.com\n"
                                         "\n\n"
                                         "    ; base = o=commented\n"
                                         "base = o=real\n"
                                         "# last line is a comment without newline");

        (void)state;
        assert_int_equal(c->n_uri, 1);
        assert_string_equal(c->uri[0], "ldap://real.example.com");
        assert_string_equal(c->base, "o=real");
        conf_free(c);
}

static void test_whitespace(void **state)
{
        struct sesame_conf *c = parse_ok("  [ ldap ]  \n"
                                         "\turi\t=\tldap://a  \t ldap://b \t\n"
                                         "base=ou=People, dc=example,dc=com   \n"
                                         "   binddn   =   cn=a b,dc=x\t\n"
                                         "bindpw_file=/etc/sesame/pw#1\n"
                                         "[map]\n"
                                         "user_name =uid\n"
                                         "[nss]\n"
                                         "min_uid=  1234\n"
                                         "[totp]\n"
                                         "key_file = /etc/a dir/totp.key\n");

        (void)state;
        assert_int_equal(c->n_uri, 2);
        assert_string_equal(c->uri[0], "ldap://a");
        assert_string_equal(c->uri[1], "ldap://b");
        /* inner blanks are kept, '=' after the first belongs to the value */
        assert_string_equal(c->base, "ou=People, dc=example,dc=com");
        assert_string_equal(c->binddn, "cn=a b,dc=x");
        /* no comments after a value: '#' is part of it */
        assert_string_equal(c->bindpw_file, "/etc/sesame/pw#1");
        assert_string_equal(c->map_user_name, "uid");
        assert_int_equal(c->min_uid, 1234);
        assert_string_equal(c->totp_key_file, "/etc/a dir/totp.key");
        conf_free(c);
}

static void test_no_final_newline(void **state)
{
        struct sesame_conf *c = parse_ok("[ldap]\nuri = ldap://x\nbase = o=x");

        (void)state;
        assert_string_equal(c->base, "o=x");
        conf_free(c);
}

/* ---- value types ------------------------------------------------------- */

static void test_bool_forms(void **state)
{
        static const char *const yes[] = { "yes", "true", "on", "1", "YES", "True", "On" };
        static const char *const no[] = { "no", "false", "off", "0", "NO", "False", "OFF" };

        (void)state;
        for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
                struct sesame_conf *c = parse_ok(with("starttls = %s\n[nss]\nenumerate = %s\n", yes[i], no[i]));

                assert_true(c->starttls);
                assert_false(c->enumerate);
                conf_free(c);
                c = parse_ok(with("starttls = %s\n[nss]\nenumerate = %s\n", no[i], yes[i]));
                assert_false(c->starttls);
                assert_true(c->enumerate);
                conf_free(c);
        }
        fails(with("starttls = maybe\n"), NAME ":4: ldap.starttls: ", "\"maybe\" is not a boolean");
        fails(with("starttls = y\n"), NAME ":4: ldap.starttls: ", "not a boolean");
        fails(with("starttls = 2\n"), NAME ":4: ldap.starttls: ", "not a boolean");
        fails(with("[nss]\nenumerate = yes please\n"), NAME ":5: nss.enumerate: ", "not a boolean");
        fails(with("starttls =\n"), NAME ":4: ldap.starttls: ", "empty");
}

static void test_enum(void **state)
{
        struct sesame_conf *c = parse_ok(with("group_schema = rfc2307bis\n"));

        (void)state;
        assert_int_equal(c->group_schema, CONF_SCHEMA_RFC2307BIS);
        conf_free(c);
        c = parse_ok(with("group_schema = rfc2307\n"));
        assert_int_equal(c->group_schema, CONF_SCHEMA_RFC2307);
        conf_free(c);
        fails(with("group_schema = nis\n"), NAME ":4: ldap.group_schema: ",
              "\"nis\" is not one of: rfc2307, rfc2307bis");
        fails(with("group_schema = rfc2307 bis\n"), NAME ":4: ldap.group_schema: ", "is not one of");
}

static void test_uri_list(void **state)
{
        struct sesame_conf *c;

        (void)state;
        c = parse_ok("[ldap]\nbase = o=x\nuri = ldap://1 ldaps://2 ldapi:// LDAP://4 ldap://5 "
                     "ldap://6 LdApS://7 ldap://8\n");
        assert_int_equal(c->n_uri, CONF_URIS_MAX);
        assert_string_equal(c->uri[0], "ldap://1");
        assert_string_equal(c->uri[2], "ldapi://");
        assert_string_equal(c->uri[3], "ldap://4"); /* the scheme is stored in lower case */
        assert_string_equal(c->uri[6], "ldaps://7");
        assert_string_equal(c->uri[7], "ldap://8");
        assert_null(c->uri[CONF_URIS_MAX]);
        conf_free(c);

        fails("[ldap]\nbase = o=x\nuri = ldap://1 ldap://2 ldap://3 ldap://4 ldap://5 ldap://6 "
              "ldap://7 ldap://8 ldap://9\n",
              NAME ":3: ldap.uri: ", "too many URIs (at most 8)");
        fails("[ldap]\nuri = http://ldap.example.com\n", NAME ":2: ldap.uri: ",
              "\"http://ldap.example.com\" is not an ldap://, ldaps:// or ldapi:// URI");
        fails("[ldap]\nuri = ldap://a ldap:/b\n", NAME ":2: ldap.uri: ", "\"ldap:/b\" is not an ldap://");
        fails("[ldap]\nuri = ldap.example.com\n", NAME ":2: ldap.uri: ", "is not an ldap://");
        fails("[ldap]\nuri = ldap://a,ldaps://b\n", NAME ":2: ldap.uri: ", "not commas");
        fails("[ldap]\nuri =\n", NAME ":2: ldap.uri: ", "value must not be empty");
}

static void test_filters(void **state)
{
        static const char *const good[] = {
                "(objectClass=*)",
                "(&(objectClass=posixAccount)(!(uid=root))(|(a=1)(b=2)))",
                "(cn=a\\28b\\29)",
                "(cn=\\5c\\2A)",
        };
        static const char *const bad[] = {
                "objectClass=posixAccount", "(objectClass=posixAccount", "objectClass=posixAccount)",
                "(a))", "(a)(b)", "((a)", "(a))(", ")(", "()", "(&()(a=1))", "(cn=\\zz)",
                "(cn=a\\2)", "(cn=a\\)", "(", ")", "(\\)",
        };

        (void)state;
        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                struct sesame_conf *c = parse_ok(with("user_filter = %s\ngroup_filter = %s\n", good[i], good[i]));

                assert_string_equal(c->user_filter, good[i]);
                assert_string_equal(c->group_filter, good[i]);
                conf_free(c);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                fails(with("user_filter = %s\n", bad[i]), NAME ":4: ldap.user_filter: ", "");
                fails(with("group_filter = %s\n", bad[i]), NAME ":4: ldap.group_filter: ", "");
        }
        fails(with("user_filter = uid=x\n"), NAME ":4: ldap.user_filter: ",
              "\"uid=x\" is not an LDAP filter in parentheses");
        fails(with("user_filter = (a)(b)\n"), NAME ":4: ldap.user_filter: ", "unbalanced parentheses");
        fails(with("user_filter = (cn=\\q1)\n"), NAME ":4: ldap.user_filter: ", "two hex digits");
        fails(with("user_filter = (&()(a=b))\n"), NAME ":4: ldap.user_filter: ", "empty \"()\"");
        fails(with("group_filter =\n"), NAME ":4: ldap.group_filter: ", "value must not be empty");
}

static void test_map_attributes(void **state)
{
        static const char *const keys[] = { "user_name", "uid_number", "gid_number", "gecos",
                                            "home", "shell", "mail", "group_name",
                                            "group_gid_number", "member_uid", "member" };
        static const char *const bad[] = { "1uid", "uid number", "uid)", "-uid", "u_id", "(uid",
                                           "uid*", "uid=x", "ü", "a.b" };
        char prefix[64];

        (void)state;
        for (size_t i = 0; i < ELEMENTSOF(keys); i++) {
                struct sesame_conf *c = parse_ok(with("[map]\n%s = x-Attr-2\n", keys[i]));
                char *d = dump_string(c);
                char line[64];

                snprintf(line, sizeof(line), "\n%s = x-Attr-2\n", keys[i]);
                assert_non_null(strstr(d, line));
                free(d);
                conf_free(c);

                snprintf(prefix, sizeof(prefix), NAME ":5: map.%s: ", keys[i]);
                for (size_t j = 0; j < ELEMENTSOF(bad); j++)
                        fails(with("[map]\n%s = %s\n", keys[i], bad[j]), prefix,
                              "is not an attribute name");
                fails(with("[map]\n%s =\n", keys[i]), prefix, "value must not be empty");
        }
}

static void test_numbers(void **state)
{
        struct sesame_conf *c;

        (void)state;
        c = parse_ok(with("connect_timeout = 1\ntimeout = 600\npage_size = 10000\n[nss]\n"
                          "min_uid = 4294967294\nmin_gid = 1\ncache_max = 10000000\n"));
        assert_int_equal(c->connect_timeout, 1);
        assert_int_equal(c->timeout, 600);
        assert_int_equal(c->page_size, 10000);
        assert_int_equal(c->min_uid, 4294967294u);
        assert_int_equal(c->min_gid, 1);
        assert_int_equal(c->cache_max, 10000000);
        conf_free(c);

        fails(with("timeout = abc\n"), NAME ":4: ldap.timeout: ", "\"abc\" is not a number");
        fails(with("timeout = -1\n"), NAME ":4: ldap.timeout: ", "\"-1\" is not a number");
        fails(with("timeout = +5\n"), NAME ":4: ldap.timeout: ", "is not a number");
        fails(with("timeout = 5s\n"), NAME ":4: ldap.timeout: ", "is not a number");
        fails(with("timeout = 0x10\n"), NAME ":4: ldap.timeout: ", "is not a number");
        fails(with("timeout = 007\n"), NAME ":4: ldap.timeout: ", "is not a number");
        fails(with("timeout = 1 0\n"), NAME ":4: ldap.timeout: ", "is not a number");
        fails(with("timeout = 1.5\n"), NAME ":4: ldap.timeout: ", "is not a number");
        fails(with("timeout =\n"), NAME ":4: ldap.timeout: ", "value must not be empty");

        fails(with("timeout = 0\n"), NAME ":4: ldap.timeout: ", "\"0\" is out of range (1..600 seconds)");
        fails(with("timeout = 601\n"), NAME ":4: ldap.timeout: ", "is out of range (1..600 seconds)");
        fails(with("timeout = 99999999999999999999\n"), NAME ":4: ldap.timeout: ", "is out of range");
        fails(with("connect_timeout = 301\n"), NAME ":4: ldap.connect_timeout: ", "out of range (1..300");
        fails(with("page_size = 10001\n"), NAME ":4: ldap.page_size: ", "out of range (1..10000)");
        fails(with("page_size = 0\n"), NAME ":4: ldap.page_size: ", "out of range");
        fails(with("[nss]\nmin_uid = 0\n"), NAME ":5: nss.min_uid: ", "out of range");
        fails(with("[nss]\nmin_gid = 4294967295\n"), NAME ":5: nss.min_gid: ", "out of range");
        fails(with("[nss]\ncache_ttl = 86401\n"), NAME ":5: nss.cache_ttl: ", "out of range (0..86400 seconds)");
        fails(with("[nss]\nnegative_ttl = 86401\n"), NAME ":5: nss.negative_ttl: ", "out of range");
        fails(with("[nss]\ncache_max = 99\n"), NAME ":5: nss.cache_max: ", "out of range (100..10000000)");
        fails(with("[daemon]\nmax_clients = 0\n"), NAME ":5: daemon.max_clients: ", "out of range");
        fails(with("[daemon]\nmax_clients = 10001\n"), NAME ":5: daemon.max_clients: ", "out of range");
        fails(with("[daemon]\nworkers = 0\n"), NAME ":5: daemon.workers: ", "out of range");
        fails(with("[daemon]\nworkers = 257\n"), NAME ":5: daemon.workers: ", "out of range");
        fails(with("[daemon]\nldap_connections = 65\n"), NAME ":5: daemon.ldap_connections: ",
              "out of range (1..64)");
        fails(with("[daemon]\nreconnect_interval = 3601\n"), NAME ":5: daemon.reconnect_interval: ",
              "out of range");
        fails(with("[daemon]\nclient_timeout = 0\n"), NAME ":5: daemon.client_timeout: ", "out of range");
}

static void test_paths(void **state)
{
        (void)state;
        fails(with("[totp]\nkey_file = etc/totp.key\n"), NAME ":5: totp.key_file: ",
              "\"etc/totp.key\" is not an absolute path");
        fails(with("[totp]\nkey_file =\n"), NAME ":5: totp.key_file: ", "value must not be empty");
        /* the socket directory is compiled into the clients: not a setting */
        fails(with("[daemon]\nsocket_dir = /run/sesame\n"), NAME ":5: ", "socket_dir");
        fails(with("binddn = cn=x\nbindpw_file = bindpw\n"), NAME ":5: ldap.bindpw_file: ",
              "is not an absolute path");
        fails(with("ca_file = ./ca.pem\n"), NAME ":4: ldap.ca_file: ", "is not an absolute path");
}

static void test_base_defaults(void **state)
{
        struct sesame_conf *c = parse_ok(with("user_base = ou=People,dc=example,dc=com\n"));

        (void)state;
        assert_string_equal(c->user_base, "ou=People,dc=example,dc=com");
        assert_string_equal(c->group_base, "dc=example,dc=com");
        conf_free(c);
        /* base set after user_base: still the default for group_base only */
        c = parse_ok("[ldap]\nuri = ldap://x\ngroup_base = ou=g,o=x\nbase = o=x\n");
        assert_string_equal(c->user_base, "o=x");
        assert_string_equal(c->group_base, "ou=g,o=x");
        conf_free(c);
}

/* Self-registration: off by default; on, it needs a counter and a range
 * of uids that NSS serves; the home pattern knows %u only. */
static void test_registration(void **state)
{
        struct sesame_conf *c = parse_ok(MIN_LDAP);

        (void)state;
        assert_false(c->web_registration);
        assert_null(c->web_register_uid_counter);
        assert_string_equal(c->web_register_home, "/home/%u");
        conf_free(c);
        c = parse_ok(with("[web]\nregistration = yes\nregister_uid_counter = cn=n,dc=example,dc=com\n"
                          "register_home = /srv/home/%%u/%%u\n"));
        assert_true(c->web_registration);
        assert_int_equal(c->web_register_uid_min, 10000);
        assert_int_equal(c->web_register_uid_max, 59999);
        conf_free(c);
        fails(with("[web]\nregistration = yes\n"), NAME ": ", "web.register_uid_counter: required");
        fails(with("[web]\nregistration = yes\nregister_uid_counter = cn=n\nregister_uid_min = 20\n"
                   "register_uid_max = 10\n"),
              NAME ": ", "web.register_uid_min");
        fails(with("[nss]\nmin_uid = 5000\n[web]\nregistration = yes\nregister_uid_counter = cn=n\n"
                   "register_uid_min = 4000\n"),
              NAME ": ", "web.register_uid_min");
        fails(with("[web]\nregister_home = /home/%%s\n"), NAME ": ", "web.register_home");
        fails(with("[web]\nregister_home = /home/%%\n"), NAME ": ", "web.register_home");
}

/* ---- error classes ------------------------------------------------------ */

static void test_err_unknown_section(void **state)
{
        (void)state;
        fails(with("[ldpa]\n"), NAME ":4: ", "unknown section [ldpa]");
        fails("[LDAP]\nuri = ldap://x\n", NAME ":1: ", "unknown section [LDAP]");
        fails("# x\n\n[global]\n", NAME ":3: ", "unknown section [global]");
        /* the message lists every section there is, in file order */
        fails("[tot]\n", NAME ":1: ",
              "unknown section [tot] (known: [ldap], [map], [nss], [daemon], [auth], [totp], [password], [hooks], [web], [mail])");
}

static void test_err_bad_section_header(void **state)
{
        static const char *const bad[] = { "[ldap", "[ldap] x", "[ldap] # c", "[]", "[ ]", "[[ldap]]",
                                           "[ld]ap]", "[" };

        (void)state;
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                fails(with("%s\n", bad[i]), NAME ":4: ", "bad section header");
}

static void test_err_unknown_key(void **state)
{
        (void)state;
        fails(with("bind_dn = cn=x\n"), NAME ":4: ldap.bind_dn: ", "unknown key");
        fails(with("URI = ldap://x\n"), NAME ":4: ldap.URI: ", "unknown key");
        /* a key of another section */
        fails(with("min_uid = 5\n"), NAME ":4: ldap.min_uid: ", "unknown key");
        fails(with("[map]\nuri = ldap://x\n"), NAME ":5: map.uri: ", "unknown key");
        fails(with("[daemon]\nbindpw = secret\n"), NAME ":5: daemon.bindpw: ", "unknown key");
}

static void test_err_key_before_section(void **state)
{
        (void)state;
        fails("uri = ldap://x\n[ldap]\n", NAME ":1: uri: ", "key before any [section]");
        fails("# comment\n\n  base = o=x\n", NAME ":3: base: ", "key before any [section]");
}

static void test_err_duplicate_key(void **state)
{
        (void)state;
        fails(with("base = o=again\n"), NAME ":4: ldap.base: ", "duplicate key (first set on line 3)");
        fails(with("[nss]\nmin_uid = 5\n[ldap]\nstarttls = no\n[nss]\nmin_uid = 5\n"),
              NAME ":9: nss.min_uid: ", "duplicate key (first set on line 5)");
        fails(with("binddn =\nbinddn =\n"), NAME ":5: ldap.binddn: ", "duplicate key");
}

static void test_err_empty_value(void **state)
{
        (void)state;
        fails("[ldap]\nuri = ldap://x\nbase =\n", NAME ":3: ldap.base: ", "value must not be empty");
        fails("[ldap]\nuri = ldap://x\nbase = \t \n", NAME ":3: ldap.base: ", "value must not be empty");
        fails(with("[nss]\ncache_ttl =\n"), NAME ":5: nss.cache_ttl: ", "value must not be empty");
        fails(with("group_schema =\n"), NAME ":4: ldap.group_schema: ", "value must not be empty");
}

static void test_err_missing_equals(void **state)
{
        (void)state;
        fails(with("timeout 5\n"), NAME ":4: ldap.timeout: ", "missing \"=\"");
        fails(with("timeout\n"), NAME ":4: ldap.timeout: ", "missing \"=\"");
        fails(with("hello world\n"), NAME ":4: ", "expected \"key = value\"");
        fails("uri ldap://x\n", NAME ":1: ", "expected \"key = value\"");
        fails(with("= value\n"), NAME ":4: ", "missing key before \"=\"");
}

static void test_err_line_too_long(void **state)
{
        char *text = malloc(8192);
        int n;

        (void)state;
        assert_non_null(text);
        /* exactly 4096 bytes: fine */
        n = snprintf(text, 8192, "[ldap]\nuri = ldap://x\nbase = ");
        memset(text + n, 'a', 4096 - 7);
        strcpy(text + n + 4096 - 7, "\n");
        conf_free(parse_ok(text));
        /* 4097: too long (without a newline at the end too) */
        memset(text + n, 'a', 4096 - 6);
        text[n + 4096 - 6] = '\0';
        fails(text, NAME ":3: ", "line is longer than 4096 bytes");
        /* a long comment is a long line as well */
        memset(text, '#', 5000);
        text[5000] = '\0';
        fails(text, NAME ":1: ", "line is longer than 4096 bytes");
        free(text);
}

static void test_err_nul_byte(void **state)
{
        static const char t1[] = "[ldap]\nuri = ldap://x\nbase = o=x\0evil\n";
        static const char t2[] = "[ldap]\nuri = ldap://x\nbase = o=x\n# \0\n";
        static const char t3[] = "\0";

        (void)state;
        fails_len(t1, sizeof(t1) - 1, NAME ":3: ", "NUL byte");
        fails_len(t2, sizeof(t2) - 1, NAME ":4: ", "NUL byte");
        fails_len(t3, sizeof(t3) - 1, NAME ":1: ", "NUL byte");
}

static void test_err_control_chars(void **state)
{
        (void)state;
        fails("[ldap]\r\nuri = ldap://x\r\n", NAME ":1: ", "control character 0x0d in the line (DOS line endings?)");
        fails(with("base2 = \x1b[31m\n"), NAME ":4: ", "control character 0x1b");
        fails(with("# \x7f\n"), NAME ":4: ", "control character 0x7f");
}

static void test_err_missing_required(void **state)
{
        (void)state;
        fails("", NAME ": ", "ldap.uri: required key is missing");
        fails("[ldap]\nbase = o=x\n", NAME ": ldap.uri: ", "required key is missing");
        fails("[ldap]\nuri = ldap://x\n", NAME ": ldap.base: ", "required key is missing");
        fails(with("binddn = cn=x,o=x\n"), NAME ": ldap.bindpw_file: ", "required when ldap.binddn is set");
        fails(with("bindpw_file = /etc/sesame/pw\n"), NAME ": ldap.binddn: ",
              "required when ldap.bindpw_file is set");
}

static void test_err_message_quoting(void **state)
{
        char longv[200];

        (void)state;
        /* quotes and backslashes escaped, non-ASCII escaped, long values cut */
        fails(with("timeout = \"x\\\n"), NAME ":4: ldap.timeout: ", "\"\\x22x\\x5c\" is not a number");
        fails(with("timeout = \xc3\xa9\n"), NAME ":4: ldap.timeout: ", "\"\\xc3\\xa9\" is not a number");
        memset(longv, 'z', sizeof(longv) - 1);
        longv[sizeof(longv) - 1] = '\0';
        fails(with("timeout = %s\n", longv), NAME ":4: ldap.timeout: ", "zzz...\" is not a number");
}

static void test_err_small_buffer(void **state)
{
        struct sesame_conf *c = NULL;
        char small[8];

        (void)state;
        assert_int_equal(conf_parse(NAME, "x", 1, &c, small, sizeof(small)), -EINVAL);
        assert_string_equal(small, "test.co");
        assert_int_equal(conf_parse(NAME, "x", 1, &c, NULL, 0), -EINVAL);
        assert_int_equal(conf_parse(NAME, "x", 1, &c, small, 0), -EINVAL);
        assert_null(c);
        assert_null(conf_free(NULL));
}

/* ---- dump -------------------------------------------------------------- */

static void test_dump_roundtrip(void **state)
{
        struct sesame_conf *c = parse_ok(full_conf), *c2;
        char *d1 = dump_string(c), *d2;

        (void)state;
        assert_non_null(strstr(d1, "[ldap]\nuri = ldaps://a.example.com ldap://b.example.com:389 "));
        assert_non_null(strstr(d1, "\nstarttls = yes\n"));
        assert_non_null(strstr(d1, "\ngroup_schema = rfc2307bis\n"));
        assert_non_null(strstr(d1, "\n[map]\nuser_name = sAMAccountName\n"));
        assert_non_null(strstr(d1, "\n[nss]\nmin_uid = 2000\n"));
        assert_non_null(strstr(d1, "\nenumerate = no\n"));
        assert_non_null(strstr(d1, "\n[daemon]\nmax_clients = 10000\n"));
        c2 = parse_ok(d1);
        d2 = dump_string(c2);
        assert_string_equal(d1, d2);
        free(d1);
        free(d2);
        conf_free(c);
        conf_free(c2);

        /* defaults: every key is printed, unset ones as "key =" */
        c = parse_ok(MIN_LDAP);
        d1 = dump_string(c);
        assert_non_null(strstr(d1, "\nbinddn =\n"));
        assert_non_null(strstr(d1, "\nca_file =\n"));
        assert_non_null(strstr(d1, "\nuser_base = dc=example,dc=com\n"));
        assert_non_null(strstr(d1, "\nclient_timeout = 10\n"));
        assert_null(strstr(d1, "bindpw ("));
        c2 = parse_ok(d1);
        d2 = dump_string(c2);
        assert_string_equal(d1, d2);
        free(d1);
        free(d2);
        conf_free(c);
        conf_free(c2);
}

/* ---- files --------------------------------------------------------------- */

static int setup_tmpdir(void **state)
{
        (void)state;
        return testdir_setup("test-conf");
}

static int teardown_tmpdir(void **state)
{
        (void)state;
        return testdir_teardown("test-conf");
}

/* ---- conf_load --------------------------------------------------------- */

static const char *make_conf(const char *pwpath, mode_t mode)
{
        char text[PATH_MAX + 256];

        snprintf(text, sizeof(text),
                 "[ldap]\nuri = ldaps://ldap.example.com\nbase = dc=example,dc=com\n"
                 "binddn = cn=sesame,dc=example,dc=com\nbindpw_file = %s\n",
                 pwpath);
        return testdir_text("sesame.conf", text, mode);
}

static int load(const char *path, struct sesame_conf **c)
{
        err[0] = '\0';
        *c = NULL;
        return conf_load(path, c, err, sizeof(err));
}

static void test_load_bindpw(void **state)
{
        static const char *const files[] = { "s3cret pw\n", "s3cret pw", "s3cret pw\nsecond line\n" };
        char pw[PATH_MAX + 64];

        (void)state;
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                struct sesame_conf *c;

                snprintf(pw, sizeof(pw), "%s", testdir_text("bindpw", files[i], 0600));
                if (load(make_conf(pw, 0644), &c) < 0)
                        print_error("%s\n", err);
                assert_non_null(c);
                assert_string_equal(c->bindpw_file, pw);
                assert_string_equal(c->bindpw, "s3cret pw");
                conf_free(c);
        }
        /* only one newline is stripped: a password may end in blanks or CR */
        snprintf(pw, sizeof(pw), "%s", testdir_text("bindpw", " pw \r\n", 0400));
        {
                struct sesame_conf *c;

                assert_int_equal(load(make_conf(pw, 0600), &c), 0);
                assert_string_equal(c->bindpw, " pw \r");
                conf_free(c);
        }
}

static void test_load_bindpw_refused(void **state)
{
        struct sesame_conf *c;
        char pw[PATH_MAX + 64], conf[PATH_MAX + 64];

        (void)state;
        snprintf(pw, sizeof(pw), "%s", testdir_text("bindpw", "s3cret\n", 0644));
        snprintf(conf, sizeof(conf), "%s", make_conf(pw, 0644));
        assert_int_equal(load(conf, &c), -EPERM);
        assert_null(c);
        assert_true(strncmp(err, conf, strlen(conf)) == 0);
        assert_non_null(strstr(err, ": ldap.bindpw_file: "));
        assert_non_null(strstr(err, "secret file is world-readable"));
        assert_null(strstr(err, "s3cret"));
        /* the bind password is a secret like the TOTP key: no access for
         * the group either */
        snprintf(pw, sizeof(pw), "%s", testdir_text("bindpw", "s3cret\n", 0640));
        assert_int_equal(load(make_conf(pw, 0644), &c), -EPERM);
        assert_non_null(strstr(err, "secret file is open to group or others (mode 0640)"));

        static const char *const empty[] = { "", "\n", "\nsecond line\n" };
        for (size_t i = 0; i < ELEMENTSOF(empty); i++) {
                snprintf(pw, sizeof(pw), "%s", testdir_text("bindpw", empty[i], 0600));
                assert_int_equal(load(make_conf(pw, 0644), &c), -EINVAL);
                assert_null(c);
                assert_non_null(strstr(err, ": ldap.bindpw_file: "));
                assert_non_null(strstr(err, "is empty"));
        }

        snprintf(pw, sizeof(pw), "%s", testdir_file("bindpw", "a\0b\n", 4, 0600));
        assert_int_equal(load(make_conf(pw, 0644), &c), -EINVAL);
        assert_non_null(strstr(err, "NUL byte"));

        snprintf(pw, sizeof(pw), "%s", testdir_path("no-such-bindpw"));
        assert_int_equal(load(make_conf(pw, 0644), &c), -ENOENT);
        assert_non_null(strstr(err, "ldap.bindpw_file: "));

        memset(pw, 'p', CONF_SECRET_MAX + 1);
        snprintf(conf, sizeof(conf), "%s", testdir_file("bindpw", pw, CONF_SECRET_MAX + 1, 0600));
        assert_int_equal(load(make_conf(conf, 0644), &c), -EFBIG);
}

static void test_load_errors(void **state)
{
        struct sesame_conf *c;
        const char *path;
        char expect[PATH_MAX + 160];

        (void)state;
        /* anonymous: no password file, bindpw stays NULL */
        path = testdir_text("anon.conf", MIN_LDAP, 0644);
        assert_int_equal(load(path, &c), 0);
        assert_null(c->bindpw);
        conf_free(c);
        /* parse errors carry the path */
        path = testdir_text("bad.conf", MIN_LDAP "timeout = soon\n", 0644);
        snprintf(expect, sizeof(expect), "%s:4: ldap.timeout: \"soon\" is not a number", path);
        assert_int_equal(load(path, &c), -EINVAL);
        assert_string_equal(err, expect);
        /* the file checks apply */
        path = testdir_text("gw.conf", MIN_LDAP, 0664);
        assert_int_equal(load(path, &c), -EPERM);
        assert_null(c);
        assert_int_equal(load("etc/sesame.conf", &c), -EINVAL);
        {
                char *big = malloc(CONF_FILE_MAX + 2);

                assert_non_null(big);
                memset(big, '#', CONF_FILE_MAX + 1);
                for (size_t i = 100; i < CONF_FILE_MAX; i += 100)
                        big[i] = '\n';
                path = testdir_file("big.conf", big, CONF_FILE_MAX + 1, 0644);
                free(big);
                assert_int_equal(load(path, &c), -EFBIG);
        }
}

static void test_dump_no_password(void **state)
{
        struct sesame_conf *c;
        char pw[PATH_MAX + 64];
        char *d;

        (void)state;
        snprintf(pw, sizeof(pw), "%s", testdir_text("bindpw", "Sup3rS3cretPassw0rd\n", 0600));
        assert_int_equal(load(make_conf(pw, 0644), &c), 0);
        assert_string_equal(c->bindpw, "Sup3rS3cretPassw0rd");
        d = dump_string(c);
        assert_null(strstr(d, "Sup3rS3cret"));
        assert_non_null(strstr(d, "***"));
        assert_non_null(strstr(d, pw));
        free(d);
        conf_free(c);
}

/* ---- the shipped example -------------------------------------------------- */

static char *read_example(size_t *len)
{
        const char *dir = getenv("SESAME_TEST_DATA");
        char path[PATH_MAX];
        char *text;
        FILE *f;

        assert_non_null(dir);
        snprintf(path, sizeof(path), "%s/../../conf/sesame.conf", dir);
        f = fopen(path, "re");
        if (!f)
                print_error("%s: %s\n", path, strerror(errno));
        assert_non_null(f);
        text = calloc(1, CONF_FILE_MAX + 1);
        assert_non_null(text);
        *len = fread(text, 1, CONF_FILE_MAX + 1, f);
        assert_true(*len <= CONF_FILE_MAX);
        fclose(f);
        return text;
}

static void test_example_conf(void **state)
{
        struct sesame_conf *c, *c2;
        size_t len, o = 0;
        char *text = read_example(&len), *all, *d1, *d2;

        (void)state;
        c = parse_ok_len(text, len);
        assert_string_equal(c->base, "dc=example,dc=com");
        assert_true(c->n_uri >= 1);

        /* "#key = value" lines are the defaults: uncommented, nothing changes */
        all = calloc(1, len + 1);
        assert_non_null(all);
        for (size_t i = 0; i < len; i++) {
                bool bol = i == 0 || text[i - 1] == '\n';

                if (bol && text[i] == '#' && text[i + 1] >= 'a' && text[i + 1] <= 'z')
                        continue;
                all[o++] = text[i];
        }
        c2 = parse_ok_len(all, o);
        d1 = dump_string(c);
        d2 = dump_string(c2);
        assert_string_equal(d1, d2);

        /* and every key is in the example */
        for (char *line = strtok(d1, "\n"); line; line = strtok(NULL, "\n")) {
                char set[80], commented[80], *eq = strchr(line, '=');

                if (line[0] == '[' || line[0] == '#' || !eq)
                        continue;
                snprintf(set, sizeof(set), "\n%.*s=", (int)(eq - line), line);
                snprintf(commented, sizeof(commented), "\n#%.*s=", (int)(eq - line), line);
                if (!strstr(text, set) && !strstr(text, commented))
                        print_error("%s is not in conf/sesame.conf\n", set + 1);
                assert_true(strstr(text, set) || strstr(text, commented));
        }
        free(d1);
        free(d2);
        free(all);
        free(text);
        conf_free(c);
        conf_free(c2);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_defaults),
                cmocka_unit_test(test_every_key),
                cmocka_unit_test(test_sections_any_order),
                cmocka_unit_test(test_empty_optional_values),
                cmocka_unit_test(test_comments_and_blank_lines),
                cmocka_unit_test(test_whitespace),
                cmocka_unit_test(test_no_final_newline),
                cmocka_unit_test(test_bool_forms),
                cmocka_unit_test(test_enum),
                cmocka_unit_test(test_uri_list),
                cmocka_unit_test(test_filters),
                cmocka_unit_test(test_map_attributes),
                cmocka_unit_test(test_numbers),
                cmocka_unit_test(test_paths),
                cmocka_unit_test(test_base_defaults),
                cmocka_unit_test(test_err_unknown_section),
                cmocka_unit_test(test_err_bad_section_header),
                cmocka_unit_test(test_err_unknown_key),
                cmocka_unit_test(test_err_key_before_section),
                cmocka_unit_test(test_err_duplicate_key),
                cmocka_unit_test(test_err_empty_value),
                cmocka_unit_test(test_err_missing_equals),
                cmocka_unit_test(test_err_line_too_long),
                cmocka_unit_test(test_err_nul_byte),
                cmocka_unit_test(test_err_control_chars),
                cmocka_unit_test(test_err_missing_required),
                cmocka_unit_test(test_err_message_quoting),
                cmocka_unit_test(test_err_small_buffer),
                cmocka_unit_test(test_dump_roundtrip),
                cmocka_unit_test(test_load_bindpw),
                cmocka_unit_test(test_load_bindpw_refused),
                cmocka_unit_test(test_load_errors),
                cmocka_unit_test(test_dump_no_password),
                cmocka_unit_test(test_example_conf),
                cmocka_unit_test(test_registration),
        };

        return cmocka_run_group_tests(tests, setup_tmpdir, teardown_tmpdir);
}
