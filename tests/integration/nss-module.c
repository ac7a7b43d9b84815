/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nss-module.c - nss-probe's "module" commands: the entry points of
 * libnss_sesame.so.2 called directly, the way glibc calls them, with no
 * other module before them.  Through glibc, "files" answers first
 * (nsswitch.conf: files sesame): a buffer too small for a local line
 * gives ERANGE there before sesame is asked, and a local name is found
 * there; what Sesame itself answers can only be seen here.
 *
 *   module LIB passwd KEY        getpwnam_r, or getpwuid_r for a number
 *   module LIB group KEY         getgrnam_r, or getgrgid_r for a number
 *   module LIB initgroups USER   initgroups_dyn
 *       print one line: the status (SUCCESS, NOTFOUND, UNAVAIL, TRYAGAIN,
 *       RETURN) and, for SUCCESS, the entry as getent prints it; for
 *       initgroups, the number of gids added and the gids
 *   module LIB erange USER GROUP
 *       getpwnam_r, getpwuid_r, getgrnam_r and getgrgid_r with a buffer
 *       too small must give TRYAGAIN with errno ERANGE (glibc then retries
 *       with a bigger one), and a big enough buffer the same entry
 *
 * Exit status 0 when the calls were made (and, for erange, behaved);
 * nonzero with the reason on stderr otherwise.
 */
#include <dlfcn.h>
#include <errno.h>
#include <grp.h>
#include <nss.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nss-probe.h"

#define BIG_BUF (1 << 20)

typedef enum nss_status (*getpwnam_fn)(const char *, struct passwd *, char *, size_t, int *);
typedef enum nss_status (*getpwuid_fn)(uid_t, struct passwd *, char *, size_t, int *);
typedef enum nss_status (*getgrnam_fn)(const char *, struct group *, char *, size_t, int *);
typedef enum nss_status (*getgrgid_fn)(gid_t, struct group *, char *, size_t, int *);
typedef enum nss_status (*initgroups_fn)(const char *, gid_t, long int *, long int *, gid_t **, long int,
                                         int *);

struct module {
        getpwnam_fn getpwnam;
        getpwuid_fn getpwuid;
        getgrnam_fn getgrnam;
        getgrgid_fn getgrgid;
        initgroups_fn initgroups;
};

/* dlsym() without casting an object pointer to a function pointer */
static int sym(void *h, const char *name, void *ret_fn)
{
        void *p = dlsym(h, name);

        if (!p) {
                fprintf(stderr, "nss-probe: %s: %s\n", name, dlerror());
                return -1;
        }
        memcpy(ret_fn, &p, sizeof(p));
        return 0;
}

static int load(const char *path, struct module *m)
{
        void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);

        if (!h) {
                fprintf(stderr, "nss-probe: %s\n", dlerror());
                return -1;
        }
        /* never dlclose()d: the process ends soon after */
        if (sym(h, "_nss_sesame_getpwnam_r", &m->getpwnam) < 0 ||
            sym(h, "_nss_sesame_getpwuid_r", &m->getpwuid) < 0 ||
            sym(h, "_nss_sesame_getgrnam_r", &m->getgrnam) < 0 ||
            sym(h, "_nss_sesame_getgrgid_r", &m->getgrgid) < 0 ||
            sym(h, "_nss_sesame_initgroups_dyn", &m->initgroups) < 0)
                return -1;
        return 0;
}

static const char *status_name(enum nss_status st)
{
        switch (st) {
        case NSS_STATUS_SUCCESS:
                return "SUCCESS";
        case NSS_STATUS_NOTFOUND:
                return "NOTFOUND";
        case NSS_STATUS_UNAVAIL:
                return "UNAVAIL";
        case NSS_STATUS_TRYAGAIN:
                return "TRYAGAIN";
        case NSS_STATUS_RETURN:
                return "RETURN";
        default:
                return "?";
        }
}

/* A key of digits only is an id. */
static int key_id(const char *key, unsigned *ret)
{
        char *end;
        unsigned long v;

        if (!key[0] || strspn(key, "0123456789") != strlen(key))
                return 0;
        errno = 0;
        v = strtoul(key, &end, 10);
        if (errno || *end || v > 0xfffffffful)
                return 0;
        *ret = (unsigned)v;
        return 1;
}

static void print_group(const struct group *gr)
{
        printf("%s:%s:%u:", gr->gr_name, gr->gr_passwd, (unsigned)gr->gr_gid);
        for (size_t i = 0; gr->gr_mem[i]; i++)
                printf("%s%s", i ? "," : "", gr->gr_mem[i]);
}

static int lookup(const struct module *m, const char *db, const char *key)
{
        char *buf = malloc(BIG_BUF);
        enum nss_status st;
        struct passwd pw;
        struct group gr;
        unsigned id;
        int err = 0;

        if (!buf)
                return fail("out of memory");
        if (strcmp(db, "passwd") == 0) {
                st = key_id(key, &id) ? m->getpwuid(id, &pw, buf, BIG_BUF, &err)
                                      : m->getpwnam(key, &pw, buf, BIG_BUF, &err);
                printf("%s", status_name(st));
                if (st == NSS_STATUS_SUCCESS)
                        printf(" %s:%s:%u:%u:%s:%s:%s", pw.pw_name, pw.pw_passwd, (unsigned)pw.pw_uid,
                               (unsigned)pw.pw_gid, pw.pw_gecos, pw.pw_dir, pw.pw_shell);
        } else if (strcmp(db, "group") == 0) {
                st = key_id(key, &id) ? m->getgrgid(id, &gr, buf, BIG_BUF, &err)
                                      : m->getgrnam(key, &gr, buf, BIG_BUF, &err);
                printf("%s", status_name(st));
                if (st == NSS_STATUS_SUCCESS) {
                        putchar(' ');
                        print_group(&gr);
                }
        } else {
                free(buf);
                return fail("unknown database (passwd, group)");
        }
        putchar('\n');
        free(buf);
        return 0;
}

static int lookup_initgroups(const struct module *m, const char *user)
{
        long int start = 0, size = 16;
        gid_t *groups = calloc((size_t)size, sizeof(gid_t));
        enum nss_status st;
        int err = 0;

        if (!groups)
                return fail("out of memory");
        /* (gid_t)-1: no primary group to leave out; -1: no limit */
        st = m->initgroups(user, (gid_t)-1, &start, &size, &groups, -1, &err);
        printf("%s %ld ", status_name(st), start);
        for (long int i = 0; i < start; i++)
                printf("%s%u", i ? "," : "", (unsigned)groups[i]);
        putchar('\n');
        free(groups);
        return 0;
}

/* The status and errno a too-small buffer must give. */
static int is_erange(enum nss_status st, int err, const char *what)
{
        if (st == NSS_STATUS_TRYAGAIN && err == ERANGE)
                return 1;
        fprintf(stderr, "nss-probe: %s: %s, errno %s; want TRYAGAIN, errno ERANGE\n", what, status_name(st),
                strerror(err));
        return 0;
}

static int erange_passwd(const struct module *m, const char *user, char *buf)
{
        enum nss_status st;
        struct passwd pw;
        uid_t uid;
        int err = 0;

        st = m->getpwnam(user, &pw, buf, 8, &err);
        if (!is_erange(st, err, "getpwnam_r, 8-byte buffer"))
                return 1;
        if (m->getpwnam(user, &pw, buf, BIG_BUF, &err) != NSS_STATUS_SUCCESS || strcmp(pw.pw_name, user) != 0)
                return fail("getpwnam_r with a big buffer did not find the user");
        uid = pw.pw_uid;
        err = 0;
        st = m->getpwuid(uid, &pw, buf, 8, &err);
        if (!is_erange(st, err, "getpwuid_r, 8-byte buffer"))
                return 1;
        if (m->getpwuid(uid, &pw, buf, BIG_BUF, &err) != NSS_STATUS_SUCCESS || strcmp(pw.pw_name, user) != 0)
                return fail("getpwuid_r with a big buffer did not find the user");
        printf("passwd %s (uid %u): ERANGE by name and by uid, then found\n", user, (unsigned)uid);
        return 0;
}

static int erange_group(const struct module *m, const char *group, char *buf)
{
        enum nss_status st;
        struct group gr;
        gid_t gid;
        size_t n = 0;
        int err = 0;

        /* 8 bytes: too small for the name; 1 KiB: for the member list */
        st = m->getgrnam(group, &gr, buf, 8, &err);
        if (!is_erange(st, err, "getgrnam_r, 8-byte buffer"))
                return 1;
        err = 0;
        st = m->getgrnam(group, &gr, buf, 1024, &err);
        if (!is_erange(st, err, "getgrnam_r, 1 KiB buffer"))
                return 1;
        if (m->getgrnam(group, &gr, buf, BIG_BUF, &err) != NSS_STATUS_SUCCESS || strcmp(gr.gr_name, group) != 0)
                return fail("getgrnam_r with a big buffer did not find the group");
        gid = gr.gr_gid;
        err = 0;
        st = m->getgrgid(gid, &gr, buf, 1024, &err);
        if (!is_erange(st, err, "getgrgid_r, 1 KiB buffer"))
                return 1;
        if (m->getgrgid(gid, &gr, buf, BIG_BUF, &err) != NSS_STATUS_SUCCESS || strcmp(gr.gr_name, group) != 0)
                return fail("getgrgid_r with a big buffer did not find the group");
        while (gr.gr_mem[n])
                n++;
        printf("group %s (gid %u, %zu members): ERANGE by name and by gid, then found\n", group, (unsigned)gid, n);
        return 0;
}

int probe_module(int argc, char **argv)
{
        struct module m;
        char *buf;
        int r;

        if (argc < 3 || load(argv[0], &m) < 0)
                return fail("usage: module LIB passwd|group|initgroups KEY | module LIB erange USER GROUP");
        if (argc == 3 && strcmp(argv[1], "initgroups") == 0)
                return lookup_initgroups(&m, argv[2]);
        if (argc == 3)
                return lookup(&m, argv[1], argv[2]);
        if (argc != 4 || strcmp(argv[1], "erange") != 0)
                return fail("usage: module LIB erange USER GROUP");
        buf = malloc(BIG_BUF);
        if (!buf)
                return fail("out of memory");
        r = erange_passwd(&m, argv[2], buf);
        if (r == 0)
                r = erange_group(&m, argv[3], buf);
        free(buf);
        return r;
}
