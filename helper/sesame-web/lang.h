/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * lang.h - the language of a page: the visitor's Accept-Language among
 * the translations sesame-web was built with (po/LINGUAS).
 *
 * gettext picks a catalogue by the LC_MESSAGES locale, so a language is
 * offered only when its locale exists on the machine: "de" needs
 * de_DE.UTF-8 (a catalogue named ll_CC needs ll_CC.UTF-8).  English, the
 * language of the source, is always offered.  A request that names none
 * of them gets the language of the process (LANG, LC_MESSAGES).  Each
 * connection has a thread of its own (http.c), and uselocale() sets the
 * locale of the calling thread only, so requests in different languages
 * never see each other's.
 */
#ifndef SESAME_WEB_LANG_H
#define SESAME_WEB_LANG_H

/**
 * lang_init() - find the locales of the built translations.
 *
 * Called once at start, before any thread; a translation whose locale is
 * missing is logged and not offered.
 *
 * Return: 0, or -ENOMEM.
 */
int lang_init(void);

/**
 * lang_use() - set the calling thread's messages to the best language for
 * @accept_language (an Accept-Language header, or NULL).
 *
 * Return: nothing; with no match, the process's language.
 */
void lang_use(const char *accept_language);

#endif
