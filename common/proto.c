/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* placeholder until the codec lands */
#include "proto.h"
