/* cmd_qualify.c - `nsprobe qualify IMAGE...`: boot each kernel image under qemu
 * with nsprobe's static probes as the initramfs, read their answers off the
 * serial console and judge them exactly as a live run is judged, so that a
 * kernel can be qualified before it is deployed.  Images boot in parallel (-j);
 * one image's failure (not a kernel, panic, timeout) never stops the others and
 * becomes an "untestable" entry with a one-line reason.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checks/judge.h"
#include "checks/kb.h"
#include "report/cli.h"
#include "report/commands.h"
#include "report/initramfs.h"
#include "report/paths.h"
#include "report/qemu.h"
#include "report/qualify.h"
#include "report/outfile.h"
#include "report/report.h"
#include "report/stop.h"
#include "report/term.h"

#define STR_(x) #x
#define STR(x) STR_(x)

static const struct cli_opt qualify_opts[] = {
	CLI_STR_OPT(0, "json", struct qualify_opts, json, "FILE|-",
		    "write the report (nsprobe/report/1) to FILE, or stdout"),
	CLI_DOUBLE_OPT(0, "timeout", struct qualify_opts, timeout_s, "S", 1, 86400,
		       "seconds per image, boot included (default " STR(QUALIFY_DEFAULT_TIMEOUT) ")"),
	CLI_INT_OPT('j', "jobs", struct qualify_opts, jobs, "N", 1, 64, "images booted at once (default 1)"),
	CLI_STR_OPT(0, "append", struct qualify_opts, append, "ARGS", "extra kernel arguments for every image"),
	CLI_STR_OPT(0, "accel", struct qualify_opts, accel, "A",
		    "kvm, tcg or auto (default): KVM when /dev/kvm works and the\n"
		    "guest makes progress, else TCG (the entry says which ran)"),
	CLI_STR_OPT(0, "kernels", struct qualify_opts, kernels, "FILE",
		    "the knowledge base (default: kernels.json next to nsprobe)"),
	CLI_STR_OPT(0, "write-initramfs", struct qualify_opts, write_initramfs, "FILE",
		    "write the guest payload (gzip-compressed cpio newc) and exit"),
	CLI_STR_OPT(0, "save-console", struct qualify_opts, save_console, "DIR",
		    "keep each guest's serial transcript as DIR/N-IMAGE.console"),
	CLI_FLAG_OPT('v', "verbose", struct qualify_opts, verbose, "phase lines (booting, probe 3/8) on stderr"),
	CLI_END,
};

static const struct cli_cmd qualify_cli = {
	.name = "qualify", .synopsis = "[OPTIONS] IMAGE[::ARGS]...", .opts = qualify_opts, .human = 1,
	.about = "Boot each x86_64 kernel image (bzImage/vmlinuz) under qemu with nsprobe's probes\n"
		 "as its initramfs, and report what that kernel does, keyed by the release the\n"
		 "guest reports.  ARGS after '::' are extra kernel arguments for that image only.",
	.footer = "Needs qemu-system-x86_64 (Debian package qemu-system-x86).\n"
		  "exit status: 0 every image qualified and no problem behaviour affected, 1 a problem\n"
		  "behaviour is affected on some image, 2 bad usage, 3 an image could not be qualified\n"
		  "(not a kernel, did not boot, timed out) or a problem behaviour was untestable.",
	.operand = "IMAGE", .min_operands = 0, .max_operands = -1,
};

/* 0: go on; CLI_EXIT: --help or --version printed; CLI_USAGE: usage error printed. */
static int parse_args(int argc, char **argv, struct qualify_opts *q)
{
	int first = cli_parse(&qualify_cli, argc, argv, q);

	if (first < 0)
		return first;
	if (strcmp(q->accel, "kvm") && strcmp(q->accel, "tcg") && strcmp(q->accel, "auto"))
		return cli_usage_error(&qualify_cli, "--accel '%s': expected kvm, tcg or auto", q->accel);
	q->images = argv + first;
	q->nimages = argc - first;
	if (!q->nimages && !q->write_initramfs)
		return cli_usage_error(&qualify_cli, "no kernel IMAGE given");
	return 0;
}

/* Where the musl-built guest payload lives (paths.c: $NSPROBE_MUSL_DIR, the
 * installed libexec/nsprobe/musl, or build/musl next to the executable). */
static int guest_payload_dir(char *buf, size_t len, struct nerr *err)
{
	if (find_musl_dir(buf, len) == 0)
		return 0;
	return nerr_set(err, ENOENT, "the guest payload (musl/nsprobe-init) is not built: run `make musl` "
			"(needs the Debian package musl-tools), or set NSPROBE_MUSL_DIR");
}

/* Boot every image, up to q->jobs at once; results land in the jobs array. */
struct pool {
	struct qualify_job *jobs;
	int n, next;
	pthread_mutex_t lock;
};

static void *worker(void *arg)
{
	struct pool *p = arg;

	for (;;) {
		pthread_mutex_lock(&p->lock);
		int i = p->next < p->n ? p->next++ : -1;
		pthread_mutex_unlock(&p->lock);
		if (i < 0)
			return NULL;
		qualify_boot_one(&p->jobs[i]);
	}
}

static void run_pool(struct qualify_job *jobs, int n, int nthreads)
{
	struct pool p = { jobs, n, 0, PTHREAD_MUTEX_INITIALIZER };
	pthread_t t[64];
	int started = 0;

	if (nthreads > n)
		nthreads = n;
	for (int i = 0; i < nthreads; i++)
		if (pthread_create(&t[started], NULL, worker, &p) == 0)
			started++;
	if (!started)
		worker(&p);
	for (int i = 0; i < started; i++)
		pthread_join(t[i], NULL);
}

/* Build the payload once; -1 with err. */
static int prepare(const struct qualify_opts *q, char *dir, size_t dlen, char *initrd,
		   size_t ilen, struct nerr *err)
{
	char musl[4096];

	if (guest_payload_dir(musl, sizeof(musl), err) < 0)
		return -1;
	if (q->write_initramfs)
		return initramfs_build_payload(musl, qualify_probe_names, q->write_initramfs, err);
	snprintf(dir, dlen, "%s/nsprobe-qualify.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(dir))
		return nerr_errno(err, errno, "temporary directory %s", dir);
	snprintf(initrd, ilen, "%s/initramfs.cpio", dir);
	if (initramfs_build_payload(musl, qualify_probe_names, initrd, err) < 0) {
		rmdir(dir);
		return -1;
	}
	return 0;
}

static int qualify_all(struct qualify_opts *q, const struct kb *kb, const char *initrd)
{
	struct qualify_job *jobs = calloc((size_t)q->nimages, sizeof(*jobs));
	struct nerr err = { 0 };
	json_t *report = report_new();
	int status = 0;

	if (!jobs || !report) {
		free(jobs);
		json_decref(report);
		fprintf(stderr, "nsprobe: qualify: out of memory\n");
		return 3;
	}
	for (int i = 0; i < q->nimages; i++)
		qualify_job_init(&jobs[i], q, i, initrd);
	run_pool(jobs, q->nimages, q->jobs);
	if (stop_signal())
		status = -2;  /* interrupted: no report, nothing half-written */
	for (int i = 0; i < q->nimages && status >= 0; i++) {
		int s = qualify_add_entry(report, &jobs[i], kb, &err);
		if (s < 0) {
			nerr_prefix(&err, "qualify %s", jobs[i].image);
			nerr_print(&err);
			status = -1;
			break;
		}
		status = s == 1 || status == 1 ? 1 : s > status ? s : status;
		if (!q->json || strcmp(q->json, "-"))
			qualify_print_summary(term_human(), &jobs[i]);
	}
	if (status >= 0 && q->json && report_write(report, q->json, &err) < 0) {
		nerr_print(&err);
		status = -1;
	}
	for (int i = 0; i < q->nimages; i++)
		qualify_job_free(&jobs[i]);
	free(jobs);
	json_decref(report);
	if (status == -2) {
		fprintf(stderr, "nsprobe: qualify: stopped by signal %d\n", stop_signal());
		return 128 + stop_signal();
	}
	return status < 0 ? 3 : status;
}

int cmd_qualify(int argc, char **argv)
{
	struct qualify_opts q = { .timeout_s = QUALIFY_DEFAULT_TIMEOUT, .jobs = 1, .accel = "auto" };
	char kpath[4096], dir[4096] = "", initrd[4200] = "";
	struct nerr err = { 0 };
	struct kb *kb = NULL;
	int r = parse_args(argc, argv, &q);

	if (r < 0)
		return cli_status(r);
	q.progress = q.verbose || isatty(2);
	if (outfile_check("--json", q.json, &err) < 0 ||
	    outfile_check("--write-initramfs", q.write_initramfs, &err) < 0) {
		nerr_prefix(&err, "qualify");
		nerr_print(&err);
		return 2;
	}
	if (!q.write_initramfs) {
		if (find_kernels_json(q.kernels, kpath, sizeof(kpath)) < 0) {
			fprintf(stderr, "nsprobe: qualify: kernels.json not found%s%s\n",
				q.kernels ? ": " : "", q.kernels ? q.kernels : "");
			return 2;
		}
		if (kb_load(kpath, &kb, &err) < 0) {
			nerr_print(&err);
			return 2;
		}
		if (qemu_check(&err) < 0) {
			nerr_print(&err);
			kb_free(kb);
			return 3;
		}
	}
	/* from the temporary directory on, a stop signal is recorded: every qemu is
	 * killed, the directory removed, nothing written, then 128+N */
	if (!q.write_initramfs)
		stop_defer_begin();
	if (prepare(&q, dir, sizeof(dir), initrd, sizeof(initrd), &err) < 0) {
		nerr_prefix(&err, "qualify");
		nerr_print(&err);
		kb_free(kb);
		stop_defer_end();
		return stop_signal() ? 128 + stop_signal() : 3;
	}
	if (q.write_initramfs)
		return 0;
	r = qualify_all(&q, kb, initrd);
	unlink(initrd);
	rmdir(dir);
	kb_free(kb);
	stop_defer_end();
	return r;
}
