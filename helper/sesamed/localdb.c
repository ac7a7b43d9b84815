/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "localdb.h"
#include "log.h"
#include "macro.h"
#include "util.h"

/* names and ids of one file, sorted for bsearch */
struct idset {
        char **names;
        uint32_t *ids;
        size_t n;
        struct timespec mtime;
        off_t size;
        ino_t ino;
};

struct localdb {
        pthread_mutex_t lock;
        const char *paths[2];
        struct idset sets[2];
        int64_t checked;
};

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }
static int cmp_u32(const void *a, const void *b)
{
        uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
        return x < y ? -1 : x > y;
}

static void idset_done(struct idset *s)
{
        for (size_t i = 0; i < s->n; i++)
                free(s->names[i]);
        free(s->names);
        free(s->ids);
        memset(s, 0, sizeof(*s));
}

/* Field 1 is the name and field 3 the id in both passwd(5) and group(5). */
static int idset_load(struct idset *s, const char *path, const struct stat *st)
{
        _cleanup_free_ char *line = NULL;
        size_t cap = 0, alloc = 0;
        struct idset n = { 0 };
        FILE *f = fopen(path, "re");

        if (!f)
                return -errno;
        while (getline(&line, &cap, f) > 0) {
                char *save = NULL, *name, *id;
                uint32_t v;

                if (line[0] == '+' || line[0] == '-' || line[0] == '#')
                        continue; /* compat entries and comments */
                name = strtok_r(line, ":\n", &save);
                (void)strtok_r(NULL, ":\n", &save);
                id = strtok_r(NULL, ":\n", &save);
                if (!name || !id || parse_u32(id, 0, UINT32_MAX, &v) < 0)
                        continue;
                if (n.n == alloc) {
                        size_t na = alloc ? alloc * 2 : 64;
                        char **nn = realloc(n.names, na * sizeof(*nn));
                        if (nn)
                                n.names = nn;
                        uint32_t *ni = realloc(n.ids, na * sizeof(*ni));
                        if (ni)
                                n.ids = ni;
                        if (!nn || !ni)
                                goto oom;
                        alloc = na;
                }
                n.names[n.n] = strdup(name);
                if (!n.names[n.n])
                        goto oom;
                n.ids[n.n++] = v;
        }
        fclose(f);
        if (n.n) {
                qsort(n.names, n.n, sizeof(*n.names), cmp_str);
                qsort(n.ids, n.n, sizeof(*n.ids), cmp_u32);
        }
        n.mtime = st->st_mtim;
        n.size = st->st_size;
        n.ino = st->st_ino;
        idset_done(s);
        *s = n;
        return 0;
oom:
        fclose(f);
        idset_done(&n);
        return -ENOMEM;
}

static void refresh(struct localdb *l)
{
        int64_t now = now_ms();

        if (l->checked && now - l->checked < 1000)
                return;
        l->checked = now;
        for (int i = 0; i < 2; i++) {
                struct idset *s = &l->sets[i];
                struct stat st;

                if (stat(l->paths[i], &st) < 0) {
                        log_warning("%s: %s; keeping what was read before", l->paths[i], strerror(errno));
                        continue;
                }
                if (s->ino == st.st_ino && s->size == st.st_size && s->mtime.tv_sec == st.st_mtim.tv_sec &&
                    s->mtime.tv_nsec == st.st_mtim.tv_nsec)
                        continue;
                int r = idset_load(s, l->paths[i], &st);
                if (r < 0)
                        log_warning("%s: %s; keeping what was read before", l->paths[i], strerror(-r));
        }
}

struct localdb *localdb_new(const char *passwd_path, const char *group_path)
{
        struct localdb *l = calloc(1, sizeof(*l));

        if (!l)
                return NULL;
        (void)pthread_mutex_init(&l->lock, NULL);
        l->paths[0] = passwd_path ? passwd_path : "/etc/passwd";
        l->paths[1] = group_path ? group_path : "/etc/group";
        return l;
}

struct localdb *localdb_free(struct localdb *l)
{
        if (!l)
                return NULL;
        idset_done(&l->sets[0]);
        idset_done(&l->sets[1]);
        (void)pthread_mutex_destroy(&l->lock);
        free(l);
        return NULL;
}

static bool has(struct localdb *l, int which, const char *name, uint32_t id)
{
        bool found;

        (void)pthread_mutex_lock(&l->lock);
        refresh(l);
        struct idset *s = &l->sets[which];
        found = (name && s->n && bsearch(&name, s->names, s->n, sizeof(*s->names), cmp_str)) ||
                (s->n && bsearch(&id, s->ids, s->n, sizeof(*s->ids), cmp_u32));
        (void)pthread_mutex_unlock(&l->lock);
        return found;
}

bool localdb_has_user(struct localdb *l, const char *name, uint32_t uid) { return has(l, 0, name, uid); }
bool localdb_has_group(struct localdb *l, const char *name, uint32_t gid) { return has(l, 1, name, gid); }
