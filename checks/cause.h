/* cause.h - why the environment (not the kernel) made a namespace operation
 * fail: seccomp, capabilities, user-namespace sysctls, LSMs, nesting, limits.
 * Pure: it reads the report's "environment" object.  (Implemented in cause.c.)
 */
#ifndef NSPROBE_CAUSE_H
#define NSPROBE_CAUSE_H

#include <jansson.h>

/* errname: the errno name the probe saw ("EPERM", "EACCES", "ENOSPC", "ENOSYS", ...)
 * or NULL when the probe could not start; context: what was attempted, for the
 * message (e.g. "unshare_single: unshare(CLONE_NEWPID)").  environment may be NULL.
 * Returns a new object {"cause": "<name>", "why": "<evidence read>", "fix": "<what to change>"};
 * cause names: seccomp, capabilities, user.max_user_namespaces,
 * kernel.unprivileged_userns_clone, kernel.apparmor_restrict_unprivileged_userns,
 * user.max_pid_namespaces, no_new_privs, lsm, nested-pidns, unknown;
 * added: nested-userns (EUSERS, the user-namespace depth limit 3.11-4.8).
 * environment.userns_errno/userns_step (report/userns.c) name the driver's own
 * failed user-namespace setup when mode is "none". */
json_t *cause_explain(const json_t *environment, const char *errname, const char *context);

/* The same, knowing the PID-namespace level the refused call would have made
 * (1 = the first below the initial namespace; -1 unknown, then pid_ns_level + 1
 * is assumed).  It tells ENOSPC apart: above level 32 it is the kernel's
 * nesting limit (nested-pidns), at or below it a namespace count limit
 * (user.max_pid_namespaces, here or in an enclosing user namespace). */
json_t *cause_explain_at(const json_t *environment, const char *errname, const char *context,
			 long level);

/* A probe's reason that names where it runs (a /proc of an outer or unrelated
 * PID namespace, no /proc: the texts of where_proc_cause()) as a cause object
 * {"cause": "proc-outer|proc-unrelated|no-proc", "why": "<what>: <reason>",
 * "fix"}; NULL when the reason names none of them. */
json_t *cause_from_reason(const char *what, const char *reason);

#endif
