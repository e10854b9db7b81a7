/* probe.h - the small helper every nsprobe probe links (probe/probe.c).
 *
 * A probe is a standalone program: it measures one PID-namespace behaviour with
 * real system calls and prints `key=value` lines on stdout (errno values as
 * names).  Exit 0: measured; exit 4: not applicable here (a `reason=` line says
 * why); exit 1 (or a signal): the probe itself broke.  It never judges.
 *
 * Only interfaces that exist on Linux 2.6.32 are used here (pipe2: 2.6.27,
 * PR_SET_PDEATHSIG: 2.1.57), so the probes also run as the qemu guest payload on
 * old kernels; the helpers build with glibc and with musl-gcc -static.
 */
#ifndef NSPROBE_PROBE_H
#define NSPROBE_PROBE_H

#include <stdarg.h>
#include <stdbool.h>
#include <sys/types.h>

#define PROBE_EXIT_MEASURED 0
#define PROBE_EXIT_BROKEN 1
#define PROBE_EXIT_NA 4

/* Seconds after which the watchdog kills every registered child and exits
 * broken; NSPROBE_PROBE_ALARM overrides it.  The driver's own timeout is longer. */
#define PROBE_DEFAULT_ALARM 8

/* Call first: names the probe for messages and arms the watchdog. */
void probe_init(const char *name);

/* "EINVAL" for EINVAL, "ok" for 0, "E<number>" for anything unknown. */
const char *errno_name(int err);

/* Print one `key=value` line (value printf-formatted) and flush. */
void emit(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* emit(key, "ok") when err == 0, else the errno name. */
void emit_result(const char *key, int err);
/* `key=n/a` plus `key_reason=...`: a measurement that cannot exist on this kernel. */
void emit_na(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The probe broke: print "probe <name>: <msg>: <strerror(errno)>" to stderr,
 * kill registered children, exit PROBE_EXIT_BROKEN.  errno is saved first. */
__attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...);
/* Not applicable here: print `reason=...`, kill registered children, exit 4. */
__attribute__((noreturn, format(printf, 1, 2))) void not_applicable(const char *fmt, ...);

/* --- synchronisation: pipes, never sleep() -------------------------------- */
/* pipe2(O_CLOEXEC); dies on failure. */
void sync_pipe(int fds[2]);
/* Write one byte / an int; EINTR-safe; dies on error (EPIPE means the peer died). */
void send_byte(int fd, char token);
void send_int(int fd, int value);
/* Read one byte / an int; EINTR-safe.  Returns 0, or -1 on EOF (the peer died). */
int recv_byte(int fd, char *token);
int recv_int(int fd, int *value);
/* close() that ignores EBADF for fds set to -1, and sets *fd = -1. */
void close_fd(int *fd);

/* --- children ---------------------------------------------------------------- */
/* fork() with stdio flushed.  The child gets PR_SET_PDEATHSIG(SIGKILL) and
 * checks that its parent is still alive (the util-linux race check); the parent
 * registers the pid so the watchdog, die() and not_applicable() kill it. */
pid_t probe_fork(void);
/* clone(fn, arg) with `flags | SIGCHLD` on a private stack (glibc/musl clone()).
 * Returns the pid, or -1 with errno set (so a refused CLONE_NEWPID is data,
 * not a crash).  Same PDEATHSIG and registration as probe_fork(). */
pid_t probe_clone(int flags, int (*fn)(void *), void *arg);
/* Call in a child made by probe_fork/probe_clone that must not die with its
 * parent's thread (e.g. one forked from a thread that exits): no-op otherwise. */
void probe_child_setup(pid_t expected_parent);
/* waitpid(pid) retrying EINTR; unregisters.  Returns the wait status, or -1. */
int wait_child(pid_t pid);

/* The probes' usual shape: a measurement runs in a fresh child and reports
 * ints back over a pipe.  probe_start_child forks (probe_fork) a child that
 * runs fn(out, arg) with the pipe's write end, then _exit(0); the parent gets
 * the read end in *in (recv_int it, then wait_child and close_fd).  Returns
 * the pid, or -1 with errno set and no descriptor left open. */
pid_t probe_start_child(void (*fn)(int out, void *arg), void *arg, int *in);
/* probe_start_child, read n ints into vals, reap the child.  0; -1 with errno
 * set when the fork failed; dies "<what> died before reporting" when the
 * child ended before sending all n. */
int probe_child_ints(void (*fn)(int out, void *arg), void *arg, int *vals, int n,
		     const char *what);
/* A probe_start_child case: unshare(CLONE_NEWPID) while a clone(CLONE_VM)
 * sibling process (not a thread: it shares the mm, as a vfork child does)
 * is alive; sends the errno, 0 for success.  On 3.8-3.11 (and early 3.10.y)
 * the mm_users > 1 test of 50804fe3737c refuses it every time; from 3.12
 * (6e556ce209b0) CLONE_NEWPID reaches no mm test.  Used by unshare_multi
 * (vfork_child) and unshare_transient (its deterministic step). */
void probe_case_unshare_vm_sibling(int out, void *arg);
/* SIGKILL + blocking reap of one registered child (no WNOHANG after SIGKILL). */
void kill_child(pid_t pid);
/* Kill and reap every registered child: call before a probe exits early. */
void kill_all_children(void);

/* Exit status of a child: its exit code, or 128+signal. */
int child_code(int status);

/* --- where /proc stands -------------------------------------------------------
 * The mounted /proc may belong to an outer PID namespace (`unshare --pid --fork`
 * without --mount-proc): /proc/<pid> then names someone else at our pids.  So a
 * probe never looks its children up by pid; each child reads /proc/self, which
 * resolves whenever the child is visible in /proc at all. */
enum proc_view { PROC_OWN, PROC_OUTER, PROC_UNRELATED, PROC_NONE };
enum proc_view proc_view(void);
/* What cannot be measured because of it, naming the environment
 * ("/proc belongs to an outer PID namespace: mount a new one (unshare
 * --mount-proc)", "no /proc: ..."); NULL for PROC_OWN. */
const char *proc_view_reason(enum proc_view v);

/* This process's PID namespace inode, from fstat of /proc/self/ns/pid (3.8+);
 * 0 when unreadable.  Namespace inodes are unique across the system (one
 * allocator, proc_alloc_inum), so the inode alone compares namespaces. */
unsigned int self_pidns_ino(void);

/* A child's PID namespace as a descriptor, without /proc/<pid>: the child
 * calls pidns_send_self() (opens /proc/self/ns/pid and passes it over the
 * socket with SCM_RIGHTS, or passes its errno); the parent pidns_recv().  With
 * allow_pidfd, a child that could not send one is reached by pidfd_open(2)
 * (5.3+), turned into the namespace by PIDFD_GET_PID_NAMESPACE (6.11+), else
 * kept as a pidfd, which setns(2) accepts from 5.8.  *how: "proc_self",
 * "pidfd_ioctl" (both namespace descriptors) or "pidfd".
 * Returns the fd, or -1 with errno the child's (or pidfd_open's) error. */
void pidns_socketpair(int sv[2]);
void pidns_send_self(int sock);
int pidns_recv(int sock, pid_t child, int allow_pidfd, const char **how);
/* Why a child's namespace descriptor could not be had (err from pidns_recv):
 * the environment when /proc is not ours, else "kernel before 3.8". */
const char *pidns_unavailable_reason(int err);

/* The raw getpid/gettid system calls, bypassing any C-library cache. */
pid_t raw_getpid(void);
pid_t raw_gettid(void);

#endif
