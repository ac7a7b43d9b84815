/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * qr.c - see qr.h.
 *
 * UTF-8 style: two module rows per text line, drawn with "█", "▀", "▄"
 * and " ".  A block (foreground colour) is a LIGHT module and a blank
 * (background colour) a dark one, so on the usual light-on-dark terminal
 * the code appears dark-on-light, as printed codes are.  This is what
 * "qrencode -t UTF8" does; on a dark-on-light terminal the code comes out
 * inverted, which most phone camera apps still read -- use the ANSI style
 * there, which sets both colours itself.
 */
#include <errno.h>
#include <qrencode.h>
#include <stdbool.h>
#include <string.h>

#include "qr.h"

#define BLOCK_FULL "\xe2\x96\x88"  /* U+2588 */
#define BLOCK_UPPER "\xe2\x96\x80" /* U+2580 */
#define BLOCK_LOWER "\xe2\x96\x84" /* U+2584 */

#define ANSI_LIGHT "\033[47m"
#define ANSI_DARK "\033[40m"
#define ANSI_RESET "\033[0m"

int qr_style_from_string(const char *s, enum qr_style *ret)
{
        if (strcmp(s, "utf8") == 0)
                *ret = QR_STYLE_UTF8;
        else if (strcmp(s, "ansi") == 0)
                *ret = QR_STYLE_ANSI;
        else if (strcmp(s, "none") == 0)
                *ret = QR_STYLE_NONE;
        else
                return -EINVAL;
        return 0;
}

/* Is module (x, y) of the drawing, margin included, dark? */
static bool dark(const QRcode *q, int x, int y)
{
        x -= QR_QUIET_ZONE;
        y -= QR_QUIET_ZONE;
        if (x < 0 || y < 0 || x >= q->width || y >= q->width)
                return false; /* quiet zone: light */
        return q->data[(size_t)y * (size_t)q->width + (size_t)x] & 1;
}

static void print_utf8(FILE *f, const QRcode *q)
{
        int size = q->width + 2 * QR_QUIET_ZONE;

        for (int y = 0; y < size; y += 2) {
                for (int x = 0; x < size; x++) {
                        bool top = !dark(q, x, y);
                        /* below the last row is the terminal: dark */
                        bool bottom = y + 1 < size && !dark(q, x, y + 1);

                        if (top && bottom)
                                fputs(BLOCK_FULL, f);
                        else if (top)
                                fputs(BLOCK_UPPER, f);
                        else if (bottom)
                                fputs(BLOCK_LOWER, f);
                        else
                                fputc(' ', f);
                }
                fputc('\n', f);
        }
}

static void print_ansi(FILE *f, const QRcode *q)
{
        int size = q->width + 2 * QR_QUIET_ZONE;

        for (int y = 0; y < size; y++) {
                bool last = false, first = true;

                for (int x = 0; x < size; x++) {
                        bool d = dark(q, x, y);

                        if (first || d != last)
                                fputs(d ? ANSI_DARK : ANSI_LIGHT, f);
                        first = false;
                        last = d;
                        fputs("  ", f);
                }
                fputs(ANSI_RESET "\n", f);
        }
}

int qr_print(FILE *f, const char *text, enum qr_style style)
{
        QRcode *q;

        if (style == QR_STYLE_NONE)
                return 0;
        errno = 0;
        q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
        if (!q)
                return errno == ENOMEM ? -ENOMEM : -ERANGE;
        if (style == QR_STYLE_ANSI)
                print_ansi(f, q);
        else
                print_utf8(f, q);
        /* the modules encode the seed */
        explicit_bzero(q->data, (size_t)q->width * (size_t)q->width);
        QRcode_free(q);
        return 0;
}
