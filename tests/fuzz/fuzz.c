/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz.c - the verdict store behind fuzz.h.  Linked into every fuzz
 * target, under libFuzzer too, so that a target reports the same way in
 * both builds.  One input is judged at a time (neither libFuzzer nor the
 * replay runs inputs in parallel), so one variable is enough.
 */
#include "fuzz.h"

static enum fuzz_verdict verdict = FUZZ_NONE;

void fuzz_report(bool accepted)
{
        verdict = accepted ? FUZZ_ACCEPTED : FUZZ_REFUSED;
}

enum fuzz_verdict fuzz_take_verdict(void)
{
        enum fuzz_verdict v = verdict;

        verdict = FUZZ_NONE;
        return v;
}
