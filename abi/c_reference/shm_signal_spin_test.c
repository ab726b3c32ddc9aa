/* SPDX-License-Identifier: MIT */
/*
 * shm_signal_spin_test.c - the spin policy of shm_signal_spin.c, step by step, for
 * tests/test_spin.py to compare with the Python engine's spin="auto".
 *
 * usage: shm_signal_spin_test < STEPS
 * Each line of STEPS is one step: "init S" (a fixed spin of S seconds, or -1 for
 * auto), "cpus N" (from now on the machine has N CPUs), "pick", or "learn FOUND
 * LATE" (0 or 1 each).  After each step it prints the policy's state:
 * "spin=%.9g credit=%u probe=%u every=%u probe_s=%.9g".  Exit 0, or 2 for a line it
 * does not understand.
 */
#include <stdio.h>
#include <string.h>

#include "shm_signal_internal.h"

static int cpus = 2;

static int forced_cpus(void)
{
	return cpus;
}

int main(void)
{
	struct shm_signal_spin s;
	char line[128];
	double picked = 0.0;
	memset(&s, 0, sizeof s);
	s.cpus_now = forced_cpus;
	shm_signal_spin_init(&s, SHM_SIGNAL_SPIN_AUTO);
	while (fgets(line, sizeof line, stdin)) {
		double v;
		int a, b;
		if (sscanf(line, "init %lf", &v) == 1) {
			shm_signal_spin_init(&s, v);
		} else if (sscanf(line, "cpus %d", &a) == 1) {
			cpus = a;
		} else if (strncmp(line, "pick", 4) == 0) {
			picked = shm_signal_spin_pick(&s);
		} else if (sscanf(line, "learn %d %d", &a, &b) == 2) {
			shm_signal_spin_learn(&s, a, b);
		} else {
			fprintf(stderr, "not a step: %s", line);
			return 2;
		}
		printf("spin=%.9g credit=%u probe=%u every=%u probe_s=%.9g\n", picked, (unsigned)s.credit,
		       (unsigned)s.probe, (unsigned)s.probe_every, s.probe_s);
	}
	return 0;
}
