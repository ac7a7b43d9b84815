/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lang.c - the language of a page (lang.h).
 */
#include <errno.h>
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "lang.h"
#include "log.h"

/* English (the msgids), and a few translations at most */
#define LANG_MAX 16
/* an Accept-Language past this many entries is read no further */
#define ACCEPT_ENTRIES_MAX 32

struct lang {
        char tag[16]; /* "de", "pt_BR" (as in po/LINGUAS), "en" */
        locale_t loc; /* LC_MESSAGES of it, the rest of the C locale */
};

static struct lang langs[LANG_MAX];
static size_t n_langs;

static void offer(const char *tag, const char *locale_name)
{
        locale_t loc;

        if (n_langs >= LANG_MAX || strlen(tag) >= sizeof(langs[0].tag))
                return;
        loc = newlocale(LC_MESSAGES_MASK, locale_name, (locale_t)0);
        if (!loc) {
                log_warning("the %s pages are not offered: no locale %s on this machine", tag, locale_name);
                return;
        }
        (void)snprintf(langs[n_langs].tag, sizeof(langs[n_langs].tag), "%s", tag);
        langs[n_langs++].loc = loc;
}

int lang_init(void)
{
        char list[] = SESAME_LINGUAS, name[40], *save = NULL;

        /* "C": gettext answers with the msgids, the English texts */
        offer("en", "C");
        if (n_langs == 0)
                return -ENOMEM;
        for (char *t = strtok_r(list, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
                /* "de" -> de_DE.UTF-8, "pt_BR" -> pt_BR.UTF-8 */
                if (strchr(t, '_') || strlen(t) != 2)
                        (void)snprintf(name, sizeof(name), "%s.UTF-8", t);
                else
                        (void)snprintf(name, sizeof(name), "%s_%c%c.UTF-8", t, t[0] - 'a' + 'A', t[1] - 'a' + 'A');
                offer(t, name);
        }
        return 0;
}

/* @range (an Accept-Language range, @len bytes: "de", "de-AT", "pt-BR")
 * names @l: the same language, and the same region if @l has one. */
static bool matches(const struct lang *l, const char *range, size_t len)
{
        const char *us = strchr(l->tag, '_');
        size_t ll = us ? (size_t)(us - l->tag) : strlen(l->tag);

        if (len < ll || strncasecmp(range, l->tag, ll) != 0 || (len > ll && range[ll] != '-'))
                return false;
        if (!us)
                return true;
        /* "pt_BR" wants the range "pt-BR" (range[ll] is the '-') */
        return len == strlen(l->tag) && strncasecmp(range + ll + 1, us + 1, len - ll - 1) == 0;
}

/* The weight of one entry's parameters (";q=0.8"): 0 to 1000. */
static unsigned weight(const char *p, const char *end)
{
        unsigned q = 1000, scale = 100;

        while (p < end && (*p == ' ' || *p == ';'))
                p++;
        if (end - p < 3 || (p[0] != 'q' && p[0] != 'Q') || p[1] != '=')
                return q;
        p += 2;
        if (*p == '1')
                return 1000;
        if (*p != '0')
                return 0;
        q = 0;
        for (p++, p += p < end && *p == '.'; p < end && *p >= '0' && *p <= '9' && scale; p++, scale /= 10)
                q += (unsigned)(*p - '0') * scale;
        return q;
}

void lang_use(const char *accept_language)
{
        const struct lang *best = NULL;
        unsigned best_q = 0, n = 0;
        const char *p = accept_language;

        while (p && *p && n++ < ACCEPT_ENTRIES_MAX) {
                const char *end = strchr(p, ','), *semi;
                size_t len;
                unsigned q;

                if (!end)
                        end = p + strlen(p);
                while (p < end && *p == ' ')
                        p++;
                semi = memchr(p, ';', (size_t)(end - p));
                len = (size_t)((semi ? semi : end) - p);
                while (len && p[len - 1] == ' ')
                        len--;
                q = semi ? weight(semi, end) : 1000;
                for (size_t i = 0; i < n_langs && q > best_q; i++)
                        if (matches(&langs[i], p, len)) {
                                best = &langs[i];
                                best_q = q;
                        }
                p = *end ? end + 1 : end;
        }
        (void)uselocale(best ? best->loc : LC_GLOBAL_LOCALE);
}
