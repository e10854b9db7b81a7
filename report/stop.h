/* stop.h - the stop signals (SIGINT, SIGTERM, SIGHUP, SIGQUIT, and SIGPIPE when
 * stdout is a closed pipe), handled in one place for every subcommand.  While
 * nothing needs cleaning up, a stop signal ends the process at once (after
 * removing the output temporaries it knows of); while children run (probes,
 * qemu) it is recorded and the main code stops them, kills and reaps them, and
 * returns 128+N.  An output is never renamed into place once one has arrived.
 * (Implemented in stop.c.)
 */
#ifndef NSPROBE_STOP_H
#define NSPROBE_STOP_H

/* Install the handlers (once, first thing in main).  A stop signal the caller
 * ignores (nohup, a background job) stays ignored. */
void stop_install(void);

/* The first stop signal that arrived, or 0. */
int stop_signal(void);

/* Record a stop found by the main code (SIGPIPE: stdout's reader is gone). */
void stop_note(int sig);

/* Between these (they nest), a stop signal is only recorded and the wake fd
 * poked: the caller has children to kill and reap before it may exit. */
void stop_defer_begin(void);
void stop_defer_end(void);

/* Readable after a stop signal (or stop_poke()); O_NONBLOCK, CLOEXEC.  -1 if
 * stop_install() could not make it. */
int stop_wake_fd(void);
void stop_drain(void);
/* Async-signal-safe: wake the poller (the runner's SIGCHLD handler uses it). */
void stop_poke(void);

/* Block / restore the stop signals around an operation that must not be cut
 * (outfile.c: the check and the rename). */
void stop_block(void);
void stop_unblock(void);

/* A named temporary that the handler unlinks if it ends the process; the slot
 * (>= 0) for stop_untrack, -1 when all are in use (then it is not tracked). */
int stop_track(const char *path);
void stop_untrack(int slot);

/* Is stdout a pipe or socket whose reader has gone?  (Async-signal-safe.) */
int stop_stdout_broken(void);

/* main(): rc 128+N for a stop signal N means die of N (so that a calling shell
 * sees it; SIGQUIT without a core file); anything else is returned as is. */
int stop_exit(int rc);

#endif
