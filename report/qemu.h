/* qemu.h - boot one kernel image under qemu-system-x86_64 with nsprobe's
 * initramfs and collect its serial console: no network, no disk, no display,
 * -no-reboot so that the guest's power-off or panic (panic=-1) ends qemu.
 * Timeouts (whole boot; "no console output for N s" to notice a KVM guest that
 * hangs silently), accelerator checks, and the bzImage header check that turns
 * a file that is not a kernel into a one-line reason before anything boots.
 * (Implemented in qemu.c.)
 */
#ifndef NSPROBE_QEMU_H
#define NSPROBE_QEMU_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "checks/nerr.h"

/* The qemu binary: $NSPROBE_QEMU, else "qemu-system-x86_64" (Debian package qemu-system-x86). */
const char *qemu_binary(void);
/* 0 when qemu_binary() can be executed; -1 with a message naming the package. */
int qemu_check(struct nerr *err);

/* The KVM device: $NSPROBE_KVM_DEV, else /dev/kvm (tests point it at a path
 * that does not exist to act out a machine without KVM). */
const char *kvm_device(void);
/* Is KVM usable here: the device opens read-write and answers KVM_GET_API_VERSION
 * with 12.  Returns 1, or 0 with why ("/dev/kvm: No such file or directory").
 * This says only that KVM answers: whether a guest really runs under it is
 * known once qemu has run (qualify falls back to TCG when it does not). */
int kvm_usable(char *why, size_t len);

/* Check the x86 boot protocol header (Documentation/arch/x86/boot.rst): the
 * "HdrS" magic at 0x202, version >= 2.00 (initrd support), and that the file
 * is as long as setup_sects and syssize say (a truncated copy).  On success,
 * the version string at kernel_version (0x20e), if any, goes to release
 * (its first word, e.g. "6.1.0-56-cloud-amd64").  -1 with a one-line reason. */
int bzimage_check(const char *path, char *release, size_t rlen, struct nerr *err);

struct qemu_boot {
	const char *kernel, *initrd, *append;
	const char *accel;        /* "kvm" or "tcg" */
	double timeout_s;         /* the whole boot */
	double stall_s;           /* > 0: stop when the console stays silent this long */
	/* Called with the whole transcript after each read; returns 0 to go on,
	 * 1 when the guest is finished or cannot finish (qemu gets a short grace
	 * period to exit by itself, then is killed). */
	int (*on_output)(void *ctx, const char *text, size_t len);
	void *ctx;
};

struct qemu_outcome {
	char *console;            /* the serial transcript (malloc'd, NUL-terminated) */
	size_t console_len;
	char qemu_stderr[1024];   /* qemu's own messages, trimmed */
	char stderr_last[512];    /* qemu's last non-empty stderr line, "" if none */
	int exit_status;          /* qemu's exit code, -1 if killed */
	int term_signal;          /* the signal that ended qemu, 0 if none */
	bool timed_out;           /* killed at timeout_s */
	bool stalled;             /* killed after stall_s of silence */
	bool stopped;             /* killed after on_output said finished */
	bool interrupted;         /* killed because a stop signal arrived (report/stop.h) */
	double elapsed_s;
};

/* Run qemu to its end (or kill it).  -1 only when qemu could not be started
 * (err set); everything the guest did, good or bad, is in out. */
int qemu_run(const struct qemu_boot *b, struct qemu_outcome *out, struct nerr *err);
void qemu_outcome_free(struct qemu_outcome *out);

#endif
