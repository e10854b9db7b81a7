/* userns.h - how the driver starts probes: as root (CAP_SYS_ADMIN), inside a
 * fresh user namespace that maps the caller's uid/gid to 0 (unprivileged, 3.8+),
 * or directly with no privilege (the probes then report the EPERM they get).
 * (Implemented in userns.c.)
 */
#ifndef NSPROBE_USERNS_H
#define NSPROBE_USERNS_H

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

struct userns_mode {
	char mode[8];         /* "root" | "userns" | "none" */
	char reason[256];     /* for environment.mode_reason */
	int userns_errno;     /* errno of the failed step, else 0 */
	char step[16];        /* the failed step: unshare, uid_map, setgroups, gid_map */
	char detail[256];     /* what failed, in words */
};

/* Decide once, at start.  Never fails: the worst case is "none". */
void userns_decide(struct userns_mode *m);

/* Store mode, mode_reason, userns_errno (errno name or null) and userns_step
 * (the failed step or null) in environment. */
void userns_annotate(json_t *environment, const struct userns_mode *m);

/* Does the caller have CAP_SYS_ADMIN in its user namespace? */
bool have_cap_sys_admin(void);

/* The handshake that puts a forked child into a new user namespace.  Make the
 * two pipes with userns_pipes() before fork; the child calls userns_child(),
 * the parent userns_parent(pid).  Both return 0, or -1 (errno set; the child
 * then explains on stderr and exits). */
struct userns_sync {
	int to_parent[2];
	int to_child[2];
};

/* What a failed handshake tells the parent: the errno of which step. */
struct userns_fail {
	int err;              /* 0 when unknown */
	char step[16];        /* "unshare", "uid_map", "setgroups", "gid_map", or "" */
	char why[256];
};
int userns_pipes(struct userns_sync *s);
int userns_child(struct userns_sync *s);
int userns_parent(struct userns_sync *s, pid_t child, char *why, size_t why_len);
/* userns_parent() that also says which step failed, with its errno. */
int userns_parent_fail(struct userns_sync *s, pid_t child, struct userns_fail *f);
void userns_close(struct userns_sync *s);

#endif
