/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * nss_sesame.h - the entry points glibc looks up in libnss_sesame.so.2
 * (the only symbols it exports, see libnss_sesame.map).
 */
#ifndef SESAME_NSS_H
#define SESAME_NSS_H

#include <grp.h>
#include <nss.h>
#include <pwd.h>
#include <sys/types.h>

extern int _nss_sesame_enablelookups;

enum nss_status _nss_sesame_getpwnam_r(const char *name, struct passwd *pw, char *buf, size_t len, int *errnop);
enum nss_status _nss_sesame_getpwuid_r(uid_t uid, struct passwd *pw, char *buf, size_t len, int *errnop);
enum nss_status _nss_sesame_setpwent(int stayopen);
enum nss_status _nss_sesame_getpwent_r(struct passwd *pw, char *buf, size_t len, int *errnop);
enum nss_status _nss_sesame_endpwent(void);
enum nss_status _nss_sesame_getgrnam_r(const char *name, struct group *gr, char *buf, size_t len, int *errnop);
enum nss_status _nss_sesame_getgrgid_r(gid_t gid, struct group *gr, char *buf, size_t len, int *errnop);
enum nss_status _nss_sesame_setgrent(int stayopen);
enum nss_status _nss_sesame_getgrent_r(struct group *gr, char *buf, size_t len, int *errnop);
enum nss_status _nss_sesame_endgrent(void);
enum nss_status _nss_sesame_initgroups_dyn(const char *user, gid_t group, long int *start, long int *size,
                                           gid_t **groupsp, long int limit, int *errnop);

#endif
