/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * dir-entry.h - entries added and deleted by sesamed's service DN: the
 * accounts of self-registration, made pending and, when nobody confirms
 * them, purged.  Rare operations, each on a connection of its own
 * (dir_set_password()'s way), never repeated: an add whose answer was
 * lost may have been made.
 */
#ifndef SESAMED_DIR_ENTRY_H
#define SESAMED_DIR_ENTRY_H

#include <ldap.h>

#include "outcome.h"

struct dir;

/**
 * dir_add() - add the entry @dn with the attributes @mods (each
 * LDAP_MOD_ADD) as the service DN.
 * Return: 0; OUT_EXISTS (an entry has that DN already); OUT_ACCESS (the
 * ACLs do not let the service DN add it; logged); OUT_SCHEMA (logged);
 * OUT_NOTFOUND (the parent is missing; logged); OUT_UNAVAIL; OUT_LDAP.
 */
int dir_add(struct dir *d, const char *dn, LDAPMod **mods) __attribute__((warn_unused_result));

/**
 * dir_delete() - delete the entry @dn as the service DN.
 * Return: 0; OUT_NOTFOUND (gone already); OUT_ACCESS (logged);
 * OUT_UNAVAIL; OUT_LDAP.
 */
int dir_delete(struct dir *d, const char *dn) __attribute__((warn_unused_result));

#endif
