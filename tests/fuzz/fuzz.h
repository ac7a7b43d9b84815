/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz.h - what a fuzz target says about one input: whether the code under
 * test accepted it or refused it.  libFuzzer never asks; the corpus replay
 * (fuzz-main.c) checks the verdict against the input's file name, so a
 * seed named ok-... that the parser starts refusing (or a bad-... one it
 * starts accepting) fails the test suite.  The naming rule is in README.md
 * beside this file.
 */
#ifndef SESAME_FUZZ_H
#define SESAME_FUZZ_H

#include <stdbool.h>

enum fuzz_verdict {
        FUZZ_NONE,     /* the target did not judge the input (e.g. too large to try) */
        FUZZ_ACCEPTED, /* the code under test took it as valid */
        FUZZ_REFUSED,  /* the code under test refused it */
};

/**
 * fuzz_report() - record the verdict on the current input
 * @accepted: true if the code under test accepted the input
 *
 * Called by a fuzz target once per input, after the call that decides.
 */
void fuzz_report(bool accepted);

/**
 * fuzz_take_verdict() - the verdict since the last call, then forget it
 *
 * Return: FUZZ_NONE if the target reported nothing for the input.
 */
enum fuzz_verdict fuzz_take_verdict(void);

#endif
