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
 * added: nested-userns (EUSERS, the user-namespace depth limit 3.11-4.8). */
json_t *cause_explain(const json_t *environment, const char *errname, const char *context);

#endif
