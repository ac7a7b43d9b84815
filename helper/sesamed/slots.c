/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * slots.c - connection slots per peer uid (see slots.h): in all, from
 * peers other than root, and per such uid (an entry goes with its uid's
 * last connection).
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "macro.h"
#include "slots.h"

struct uid_slots {
        uid_t uid;
        uint32_t n;
};

static pthread_mutex_t slots_lock = PTHREAD_MUTEX_INITIALIZER;
static uint32_t slots_all, slots_users;
static struct uid_slots *slots_uid;
static size_t slots_nuid, slots_cap;

static struct uid_slots *uid_slots_find(uid_t uid)
{
        for (size_t i = 0; i < slots_nuid; i++)
                if (slots_uid[i].uid == uid)
                        return &slots_uid[i];
        return NULL;
}

/* Room for one more uid entry; false when out of memory. */
static bool uid_slots_grow(void)
{
        size_t cap;
        struct uid_slots *p;

        if (slots_nuid < slots_cap)
                return true;
        cap = MAX((size_t)16, slots_cap * 2);
        p = realloc(slots_uid, cap * sizeof(*p));
        if (!p)
                return false;
        slots_uid = p;
        slots_cap = cap;
        return true;
}

const char *slot_take(uid_t uid, uint32_t max_clients)
{
        uint32_t per_uid = MAX(4u, max_clients / 8), reserve = MIN(MAX(8u, max_clients / 8), max_clients / 2);
        const char *why = NULL;
        struct uid_slots *u;

        (void)pthread_mutex_lock(&slots_lock);
        if (slots_all >= max_clients)
                why = "max_clients reached";
        else if (uid != 0) {
                u = uid_slots_find(uid);
                if (u && u->n >= per_uid)
                        why = "its share of max_clients used up";
                else if (slots_users >= max_clients - reserve)
                        why = "the share of max_clients for uids other than 0 used up";
                else if (!u && !uid_slots_grow())
                        why = "out of memory";
                if (!why) {
                        if (!u) {
                                u = &slots_uid[slots_nuid++];
                                *u = (struct uid_slots){ .uid = uid };
                        }
                        u->n++;
                        slots_users++;
                }
        }
        if (!why)
                slots_all++;
        (void)pthread_mutex_unlock(&slots_lock);
        return why;
}

void slot_put(uid_t uid)
{
        struct uid_slots *u;

        (void)pthread_mutex_lock(&slots_lock);
        slots_all--;
        if (uid != 0 && (u = uid_slots_find(uid))) {
                slots_users--;
                if (--u->n == 0)
                        *u = slots_uid[--slots_nuid];
        }
        (void)pthread_mutex_unlock(&slots_lock);
}
