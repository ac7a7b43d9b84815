/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qr.h - draw a QR code (libqrencode, ECC level M) in a terminal.
 */
#ifndef SESAMECTL_QR_H
#define SESAMECTL_QR_H

#include <stdio.h>

enum qr_style {
        QR_STYLE_UTF8, /* half blocks; blocks are the LIGHT modules (dark terminals) */
        QR_STYLE_ANSI, /* two spaces a module, black/white ANSI background colours */
        QR_STYLE_NONE,
};

#define QR_QUIET_ZONE 2 /* modules of light margin on each side */

/* Parse "utf8", "ansi" or "none"; -EINVAL otherwise. */
int qr_style_from_string(const char *s, enum qr_style *ret);

/* Encode @text and write the drawing to @f.  0, or -errno (-ERANGE: the
 * text does not fit a QR code, -ENOMEM). */
int qr_print(FILE *f, const char *text, enum qr_style style);

#endif
