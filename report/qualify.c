/* qualify.c - one kernel image through `nsprobe qualify` (see qualify.h): the
 * header check, the accelerator choice (KVM only when it really makes progress),
 * the boot, the console extraction, and the report entry.  The entry is judged
 * by report_entry_new() like a live run; what only a guest has (accelerator,
 * console health, why it failed) goes to the entry's "qemu" object.
 */
#include "report/qualify.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "checks/console.h"
#include "checks/judge.h"
#include "checks/probeout.h"
#include "report/report.h"
#include "report/term.h"

const char *const qualify_probe_names[] = {
	"unshare_single", "unshare_multi", "unshare_transient", "thread_after_unshare",
	"thread_after_setns", "nest_depth", "reaper_death", "getpid_cache", NULL,
};

static pthread_mutex_t print_lock = PTHREAD_MUTEX_INITIALIZER;

static const char *base(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static void vprogress(const struct qualify_job *j, const char *fmt, va_list ap)
{
	pthread_mutex_lock(&print_lock);
	fprintf(stderr, "nsprobe: qualify [%d/%d] %s: ", j->index + 1, j->q->nimages, base(j->image));
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	pthread_mutex_unlock(&print_lock);
}

/* A phase line: with -v or on a terminal. */
__attribute__((format(printf, 2, 3)))
static void progress(const struct qualify_job *j, const char *fmt, ...)
{
	va_list ap;

	if (!j->q->progress)
		return;
	va_start(ap, fmt);
	vprogress(j, fmt, ap);
	va_end(ap);
}

/* A line the user should see in any case (an accelerator fallback). */
__attribute__((format(printf, 2, 3)))
static void progress_always(const struct qualify_job *j, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprogress(j, fmt, ap);
	va_end(ap);
}

static void make_nonce(char *out, size_t len)
{
	unsigned char r[8];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || read(fd, r, sizeof(r)) != (ssize_t)sizeof(r)) {
		/* Only against stale or accidental markers, not an attacker. */
		unsigned long x = (unsigned long)time(NULL) ^ ((unsigned long)getpid() << 16) ^ (unsigned long)out;
		memcpy(r, &x, sizeof(r) < sizeof(x) ? sizeof(r) : sizeof(x));
	}
	if (fd >= 0)
		close(fd);
	snprintf(out, len, "%02x%02x%02x%02x%02x%02x%02x%02x", r[0], r[1], r[2], r[3], r[4], r[5],
		 r[6], r[7]);
}

void qualify_job_init(struct qualify_job *j, const struct qualify_opts *q, int index,
		      const char *initrd)
{
	const char *arg = q->images[index], *sep = strstr(arg, "::");
	struct stat st;

	memset(j, 0, sizeof(*j));
	j->q = q;
	j->index = index;
	j->initrd = initrd;
	/* IMAGE::ARGS, unless a file of that very name exists. */
	if (sep && stat(arg, &st) < 0) {
		snprintf(j->image, sizeof(j->image), "%.*s", (int)(sep - arg), arg);
		snprintf(j->image_append, sizeof(j->image_append), "%s", sep + 2);
	} else {
		snprintf(j->image, sizeof(j->image), "%s", arg);
	}
	make_nonce(j->nonce, sizeof(j->nonce));
	/* quiet: only warnings and worse reach the console, so printk rarely cuts
	 * records; panic=-1: reboot at once on panic, which -no-reboot turns into
	 * qemu's exit.  The per-probe timeout stays below the image's. */
	snprintf(j->append, sizeof(j->append),
		 "console=ttyS0 panic=-1 quiet nsprobe.nonce=%s nsprobe.timeout=%d%s%s%s%s", j->nonce,
		 (int)(q->timeout_s / 4 > 60 ? 60 : q->timeout_s / 4 < 5 ? 5 : q->timeout_s / 4),
		 q->append ? " " : "", q->append ? q->append : "", j->image_append[0] ? " " : "",
		 j->image_append);
}

struct watch {
	struct qualify_job *j;
	struct console_progress cp;
	int said_hello, said_begun;
};

/* Phase lines while the guest runs; 1 once the guest is done or doomed. */
static int on_output(void *ctx, const char *text, size_t len)
{
	struct watch *w = ctx;
	char buf[128];

	console_scan(text, len, w->j->nonce, &w->cp);
	if (w->j->q->verbose && w->cp.hello && !w->said_hello) {
		w->said_hello = 1;
		progress(w->j, "%s", "nsprobe's init started");
	}
	while (w->j->q->verbose && w->said_begun < w->cp.begun) {
		w->said_begun++;
		snprintf(buf, sizeof(buf), "probe %d/8 %s", w->said_begun, w->cp.current);
		progress(w->j, "%s", buf);
	}
	return w->cp.done || w->cp.fatal;
}

static int boot(struct qualify_job *j, const char *accel, double stall_s)
{
	struct watch w = { .j = j };
	struct qemu_boot b = { j->image, j->initrd, j->append, accel, j->q->timeout_s, stall_s,
			       on_output, &w };
	struct nerr err = { 0 };

	snprintf(j->accel, sizeof(j->accel), "%s", accel);
	progress(j, "booting (%s)", accel);
	if (qemu_run(&b, &j->out, &err) < 0) {
		snprintf(j->failure, sizeof(j->failure), "%s", err.msg);
		return -1;
	}
	j->booted_qemu = 1;
	return 0;
}

/* How qemu ended without a byte from the guest, quoting qemu's last stderr
 * line ("" when the guest did write something, or qemu was stopped by us). */
static void early_end(const struct qemu_outcome *o, char *out, size_t len)
{
	char quote[600] = "";

	out[0] = '\0';
	if (o->console_len > 0 || o->interrupted || o->timed_out || o->stalled || o->stopped)
		return;
	if (o->stderr_last[0])
		snprintf(quote, sizeof(quote), ": \"%s\"", o->stderr_last);
	if (o->term_signal)
		snprintf(out, len, "qemu was killed by signal %d (%s) before the guest's first output%s",
			 o->term_signal, strsignal(o->term_signal), quote);
	else
		snprintf(out, len, "qemu exited with status %d before the guest's first output%s",
			 o->exit_status, quote);
}

/* auto: KVM only when it really works.  /dev/kvm can answer and still fail:
 * on a nested-virtualisation host qemu aborts at once ("failed to set MSR"),
 * or the guest hangs before its first console byte.  Either way the boot is
 * repeated under TCG, and the note and a progress line say why. */
static void boot_with_accel(struct qualify_job *j)
{
	const char *want = j->q->accel, *env = getenv("NSPROBE_KVM_STALL_S");
	char why[256], early[800];
	int kvm = kvm_usable(why, sizeof(why));
	/* A healthy KVM guest reaches init within seconds; NSPROBE_KVM_STALL_S
	 * shortens the wait for tests. */
	int stall = env && atoi(env) > 0 ? atoi(env) : QUALIFY_KVM_STALL_S;

	j->stall_s = stall;

	if (!strcmp(want, "tcg")) {
		snprintf(j->accel_note, sizeof(j->accel_note), "tcg requested");
		boot(j, "tcg", 0);
		return;
	}
	if (!kvm) {
		if (!strcmp(want, "kvm")) {
			snprintf(j->failure, sizeof(j->failure), "--accel kvm: %s", why);
			return;
		}
		snprintf(j->accel_note, sizeof(j->accel_note), "kvm not usable (%s); used tcg", why);
		boot(j, "tcg", 0);
		return;
	}
	if (boot(j, "kvm", stall) < 0)
		return;
	early_end(&j->out, early, sizeof(early));
	if (!strcmp(want, "kvm") || (!early[0] && !(j->out.stalled && j->out.console_len == 0))) {
		snprintf(j->accel_note, sizeof(j->accel_note), "%s", early[0] ? early :
			 j->out.stalled ? "kvm made no progress" : "kvm is usable");
		return;
	}
	snprintf(j->kvm_stderr, sizeof(j->kvm_stderr), "%s", j->out.qemu_stderr);
	qemu_outcome_free(&j->out);
	j->booted_qemu = 0;
	if (early[0])
		snprintf(j->accel_note, sizeof(j->accel_note), "kvm failed: %s; fell back to tcg", early);
	else
		snprintf(j->accel_note, sizeof(j->accel_note),
			 "kvm made no progress in %d s (no console output); fell back to tcg", stall);
	/* Said even without -v: the run is slower than the user may expect. */
	progress_always(j, "%s", j->accel_note);
	boot(j, "tcg", 0);
}

/* How qemu ended, for a guest that did not finish. */
static void host_note(const struct qualify_job *j, char *out, size_t len)
{
	const struct qemu_outcome *o = &j->out;

	if (o->timed_out)
		snprintf(out, len, "timed out after %.0f s", j->q->timeout_s);
	else if (o->stalled)
		snprintf(out, len, "no console output for %d s under %s", j->stall_s, j->accel);
	else if (o->stopped)
		snprintf(out, len, "qemu was stopped after the guest finished");
	else if (o->exit_status == 0)
		out[0] = '\0';  /* the guest powered off or rebooted (panic=-1): its console says why */
	else if (o->term_signal)
		snprintf(out, len, "qemu was killed by signal %d (%s)%s%s%s", o->term_signal,
			 strsignal(o->term_signal), o->stderr_last[0] ? ": \"" : "", o->stderr_last,
			 o->stderr_last[0] ? "\"" : "");
	else
		snprintf(out, len, "qemu exited with status %d%s%s%s", o->exit_status,
			 o->stderr_last[0] ? ": \"" : "", o->stderr_last, o->stderr_last[0] ? "\"" : "");
}

/* --save-console: the raw transcript, for bug reports and tests/qemu/transcripts/. */
static void save_console(const struct qualify_job *j)
{
	char path[4200];
	FILE *f;

	if (!j->q->save_console)
		return;
	snprintf(path, sizeof(path), "%s/%d-%s.console", j->q->save_console, j->index + 1, base(j->image));
	f = fopen(path, "wb");
	if (!f || fwrite(j->out.console, 1, j->out.console_len, f) != j->out.console_len)
		progress(j, "cannot save the console to %s: %s", path, strerror(errno));
	if (f)
		fclose(f);
}

void qualify_boot_one(struct qualify_job *j)
{
	const char *const *names = qualify_probe_names;
	struct nerr err = { 0 };
	char note[1200];

	if (bzimage_check(j->image, j->header_release, sizeof(j->header_release), &err) < 0) {
		snprintf(j->failure, sizeof(j->failure), "%s", err.msg);
		progress(j, "not qualified: %s", j->failure);
		return;
	}
	boot_with_accel(j);
	if (!j->booted_qemu) {
		progress(j, "not qualified: %s", j->failure);
		return;
	}
	save_console(j);
	host_note(j, note, sizeof(note));
	struct console_opts co = { j->nonce, names, j->out.timed_out || j->out.stalled,
				   note[0] ? note : NULL };
	j->console = console_extract(j->out.console, j->out.console_len, &co, &err);
	if (!j->console)
		snprintf(j->failure, sizeof(j->failure), "%s", err.msg);
	else if (!json_is_true(json_object_get(j->console, "finished")))
		snprintf(j->failure, sizeof(j->failure), "%s",
			 json_string_value(json_object_get(j->console, "failure")));
	if (j->failure[0])
		progress(j, "not qualified: %s", j->failure);
	else
		progress(j, "guest finished in %.1f s", j->out.elapsed_s);
}

/* Every probe "broken" with the image's failure: nothing ran. */
static json_t *probes_not_run(const char *failure)
{
	json_t *probes = json_object();
	char why[1200];

	snprintf(why, sizeof(why), "not run: %s", failure);
	for (size_t i = 0; probes && qualify_probe_names[i]; i++) {
		json_t *e = probe_entry_new("broken", json_object(), 0, -1, 0, NULL);
		json_object_set_new(e, "reason", json_string(why));
		json_object_set_new(probes, qualify_probe_names[i], e);
	}
	return probes;
}

/* glibc-getpid-cache is about the host's C library, not the kernel: the guest
 * runs static musl probes, so its answer says nothing about the deployed
 * system.  Marked skipped "not-applicable" (the judgement does not count it). */
static void getpid_not_applicable(json_t *probes)
{
	json_t *e = json_object_get(probes, "getpid_cache");

	if (!e)
		return;
	json_object_set_new(e, "status", json_string("skipped"));
	json_object_set_new(e, "reason", json_string(
		"not-applicable: glibc-getpid-cache concerns the C library of the system that will run "
		"on this kernel; the qemu guest runs nsprobe's static musl probes"));
}

static json_t *fact(const json_t *facts, const char *key)
{
	const char *s = json_string_value(json_object_get(facts, key));

	return s ? json_string(s) : json_null();
}

static json_t *guest_host(const json_t *facts)
{
	char now[32];
	time_t t = time(NULL);
	struct tm tm;

	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
	return json_pack("{s:n, s:o, s:o, s:o, s:o, s:o, s:n, s:n, s:s}", "hostname",
			 "machine", fact(facts, "machine"), "release", fact(facts, "release"),
			 "kernel_version", fact(facts, "proc_version"), "uts_version", fact(facts, "version"),
			 "vdso_version", fact(facts, "vdso_version"), "os_release", "libc",
			 "generated_at", now);
}

static json_t *qemu_info(const struct qualify_job *j)
{
	const json_t *c = j->console;
	json_t *info = json_pack("{s:s, s:s?, s:s?, s:s?, s:s, s:b, s:b, s:s?}", "image", j->image,
				 "image_release", j->header_release[0] ? j->header_release : NULL,
				 "accel", j->accel[0] ? j->accel : NULL,
				 "accel_note", j->accel_note[0] ? j->accel_note : NULL, "append", j->append,
				 "booted", c && json_is_true(json_object_get(c, "booted")),
				 "finished", !j->failure[0], "failure", j->failure[0] ? j->failure : NULL);

	if (info && j->kvm_stderr[0])
		json_object_set_new(info, "kvm_stderr", json_string(j->kvm_stderr));
	if (info && j->booted_qemu && j->out.qemu_stderr[0])
		json_object_set_new(info, "stderr", json_string(j->out.qemu_stderr));
	if (info && j->booted_qemu) {
		json_object_set_new(info, "elapsed_s", json_real((double)(long)(j->out.elapsed_s * 10) / 10));
		json_object_set_new(info, "qemu_exit", j->out.term_signal ? json_null()
				    : json_integer(j->out.exit_status));
	}
	if (info && c)
		json_object_set_new(info, "console", json_pack("{s:O, s:O, s:O}", "records",
			json_object_get(c, "records"), "repaired", json_object_get(c, "repaired"),
			"lost", json_object_get(c, "lost")));
	return info;
}

int qualify_add_entry(json_t *report, struct qualify_job *j, const struct kb *kb,
		      struct nerr *err)
{
	const json_t *facts = j->console ? json_object_get(j->console, "facts") : NULL;
	const char *rel = json_string_value(json_object_get(facts, "release"));
	json_t *probes, *entry;
	char key[600];

	if (rel && *rel)
		snprintf(key, sizeof(key), "%s", rel);
	else if (j->header_release[0])
		snprintf(key, sizeof(key), "%s", j->header_release);
	else
		snprintf(key, sizeof(key), "image:%s", base(j->image));
	if (j->console)
		probes = json_deep_copy(json_object_get(j->console, "probes"));
	else
		probes = probes_not_run(j->failure);
	getpid_not_applicable(probes);
	entry = report_entry_new("qemu", key, guest_host(facts),
				 json_null(), probes, kb, err);
	if (!entry)
		return -1;
	json_object_set_new(entry, "qemu", qemu_info(j));
	json_t *v = json_object_get(entry, "verdict");
	j->verdict_status = verdict_exit_status(json_string_value(v));
	snprintf(j->verdict, sizeof(j->verdict), "%s", json_string_value(v) ? json_string_value(v) : "?");
	snprintf(j->release, sizeof(j->release), "%s", key);
	if (report_add_entry(report, key, entry, err) < 0)
		return -1;
	if (j->verdict_status == 1)
		return 1;
	return j->failure[0] ? 3 : j->verdict_status;
}

void qualify_print_summary(FILE *out, const struct qualify_job *j)
{
	if (j->failure[0])
		fprintf(out, "%s%s%s: %s: %s\n", j->image, j->image_append[0] ? "::" : "",
			j->image_append, term_status("not qualified", 0), j->failure);
	else
		fprintf(out, "%s: %s: verdict %s (qemu %s, %.1f s)\n", j->image, j->release,
			term_status(j->verdict, 0),
			j->accel, j->out.elapsed_s);
}

void qualify_job_free(struct qualify_job *j)
{
	if (j->booted_qemu)
		qemu_outcome_free(&j->out);
	json_decref(j->console);
	j->console = NULL;
}
