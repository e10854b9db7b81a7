/* qualify.h - one kernel image through `nsprobe qualify`: check its header,
 * choose the accelerator, boot it (report/qemu.h), read the console
 * (checks/console.h) and turn the outcome into a report entry with the shared
 * judgement.  cmd_qualify.c parses options and runs these per image, in
 * parallel.  (Implemented in qualify.c.)
 */
#ifndef NSPROBE_QUALIFY_H
#define NSPROBE_QUALIFY_H

#include <jansson.h>
#include <stdio.h>

#include "checks/kb.h"
#include "checks/nerr.h"
#include "report/qemu.h"

#define QUALIFY_DEFAULT_TIMEOUT 300  /* per image: a TCG boot on a busy host is slow */
#define QUALIFY_KVM_STALL_S 20       /* a KVM guest silent this long is hung: use TCG */

/* The probes the guest runs, NULL-terminated (the Makefile's PROBES). */
extern const char *const qualify_probe_names[];

struct qualify_opts {
	const char *json, *append, *accel, *kernels, *write_initramfs, *save_console;
	double timeout_s;
	int jobs, verbose, progress;
	char **images;
	int nimages;
};

struct qualify_job {
	const struct qualify_opts *q;
	int index;
	const char *initrd;
	char image[4096];          /* the path (IMAGE of IMAGE::ARGS) */
	char image_append[1024];   /* ARGS of IMAGE::ARGS */
	char header_release[256];  /* from the bzImage header, may be "" */
	char nonce[40];
	char append[4096];         /* the whole kernel command line */
	char accel[8];             /* what ran: "kvm" | "tcg" | "" (nothing booted) */
	char accel_note[1024];     /* why this accelerator (and why not KVM) */
	char kvm_stderr[1024];     /* qemu's stderr from a KVM attempt that fell back */
	char failure[1024];        /* set before boot: not a kernel, no kvm, ... */
	int booted_qemu;           /* qemu ran: out is valid */
	struct qemu_outcome out;
	json_t *console;           /* console_extract's result, or NULL */
	char release[600];         /* the report key given to its entry */
	char verdict[32];
	int verdict_status;
	int stall_s;                /* the KVM silence limit used */
};

void qualify_job_init(struct qualify_job *j, const struct qualify_opts *q, int index,
		      const char *initrd);
/* Boot one image; never fails (the outcome and failure say what happened). */
void qualify_boot_one(struct qualify_job *j);
/* Add j's entry to report.  Returns its exit status contribution (0, 1, 3)
 * or -1 with err set. */
int qualify_add_entry(json_t *report, struct qualify_job *j, const struct kb *kb,
		      struct nerr *err);
/* One line per image for people. */
void qualify_print_summary(FILE *out, const struct qualify_job *j);
void qualify_job_free(struct qualify_job *j);

#endif
