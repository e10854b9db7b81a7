/* sweep.h - make sure nothing a run started outlives it.  The driver becomes a
 * child subreaper (3.4+) so that every orphan of its probes is re-parented to
 * it; on older kernels (or when asked to, for the tests) it finds them by a
 * token in their environment instead.  (Implemented in sweep.c.)
 */
#ifndef NSPROBE_SWEEP_H
#define NSPROBE_SWEEP_H

#include <stdbool.h>

struct sweep {
	bool subreaper;      /* PR_SET_CHILD_SUBREAPER is in effect */
	char token[64];      /* "NSPROBE_RUN_ID=<pid>.<ns>": first in each probe's environment */
};

/* Become a subreaper where the kernel allows it and make the run's token.
 * NSPROBE_TEST_NO_SUBREAPER=1 in the environment forces the fallback. */
void sweep_begin(struct sweep *sw);

/* SIGKILL every live descendant of this process, shallowest first; how many. */
int sweep_kill_descendants(void);

/* With no probe running: kill what earlier probes left (with a subreaper, our
 * children then are all leftovers), so that the next probe really starts alone.
 * One waitpid() when there is nothing; what it kills it also reaps (bounded:
 * 2 s); without a subreaper it does nothing (the final sweep finds them).  How
 * many it killed. */
int sweep_leftovers(const struct sweep *sw);

/* Kill and reap everything the run left until nothing is left or grace_s has
 * passed; wake_fd (may be -1) becomes readable on SIGCHLD.  Returns the number
 * of processes still alive when it gave up (0: clean). */
int sweep_finish(const struct sweep *sw, double grace_s, int wake_fd);

#endif
