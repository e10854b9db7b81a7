/* console.c - a qemu guest's serial console transcript -> probe entries (see
 * console.h; the record format is described in probe/init/nsprobe-init.c).
 * The serial line carries the kernel's printk output and the init's records on
 * the same UART, interleaved byte by byte: a kernel message can land inside a
 * record.  Every record carries a crc32 and a sequence number, so a damaged
 * record is either repaired (record prefix + the rest on a following line) or
 * counted as lost and blamed on the probe it belonged to.  Pure.
 */
#include "checks/console.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks/probeout.h"

#define MARK "@@NSP "
#define MAX_RECORD 2048     /* the init's records are at most ~900 bytes */
#define REPAIR_LOOKAHEAD 4  /* lines a record's tail may be pushed down by printk */
#define REPAIR_BUDGET 64    /* repairs tried per transcript: bounds the work on garbage */

struct rec {
	unsigned long seq;
	char kind;
	char name[64];
	char *payload;  /* unescaped, NUL-terminated */
	size_t plen;
};

struct recs {
	struct rec *v;
	size_t n, cap;
	size_t repaired;
};

static unsigned long crc32_ieee(const char *p, size_t n, unsigned long crc)
{
	crc = ~crc & 0xffffffffUL;
	while (n--) {
		crc ^= (unsigned char)*p++;
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320UL & (0UL - (crc & 1)));
	}
	return ~crc & 0xffffffffUL;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "\xHH" escapes -> bytes; -1 on a malformed escape or a raw control byte. */
static int unescape(const char *p, size_t n, char *out, size_t *outlen)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c < 0x20 || c >= 0x7f)
			return -1;
		if (c != '\\') {
			out[o++] = (char)c;
			continue;
		}
		if (i + 3 >= n)
			return -1;
		if (p[i + 1] != 'x' || hexval(p[i + 2]) < 0 || hexval(p[i + 3]) < 0)
			return -1;
		out[o++] = (char)(hexval(p[i + 2]) << 4 | hexval(p[i + 3]));
		i += 3;
	}
	out[o] = '\0';
	*outlen = o;
	return 0;
}

/* Read one space-terminated token of allowed characters; returns its length or 0. */
static size_t token(const char *p, size_t n, const char *allowed)
{
	size_t i = 0;

	while (i < n && p[i] != ' ' && strchr(allowed, p[i]))
		i++;
	return i < n && p[i] == ' ' ? i : 0;
}

/* Parse and verify one record starting at p (which begins with MARK). */
static int parse_record(const char *p, size_t n, const char *nonce, struct rec *r)
{
	size_t nl = strlen(nonce), ml = strlen(MARK), t, body, crcpos;
	char digits[16], esc[MAX_RECORD];
	unsigned long crc, want;

	if (n >= MAX_RECORD || n < ml + nl + 1 || memcmp(p, MARK, ml) || memcmp(p + ml, nonce, nl) ||
	    p[ml + nl] != ' ')
		return -1;
	body = ml;
	t = ml + nl + 1;
	size_t sl = token(p + t, n - t, "0123456789");
	if (!sl || sl >= sizeof(digits))
		return -1;
	memcpy(digits, p + t, sl);
	digits[sl] = '\0';
	t += sl + 1;
	if (t + 2 > n || p[t + 1] != ' ' || !strchr("HFBOoEeXD", p[t]))
		return -1;
	r->kind = p[t];
	t += 2;
	size_t namel = token(p + t, n - t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-");
	if (!namel || namel >= sizeof(r->name))
		return -1;
	memcpy(r->name, p + t, namel);
	r->name[namel] = '\0';
	t += namel + 1;
	crcpos = t;
	if (token(p + t, n - t, "0123456789abcdef") != 8)
		return -1;
	want = strtoul(p + t, NULL, 16);
	t += 9;
	crc = crc32_ieee(p + body, crcpos - body, 0);   /* "<nonce> <seq> <kind> <name> " */
	crc = crc32_ieee(p + t, n - t, crc);             /* "<payload>" */
	if (crc != want)
		return -1;
	if (unescape(p + t, n - t, esc, &r->plen) < 0)
		return -1;
	r->seq = strtoul(digits, NULL, 10);
	r->payload = malloc(r->plen + 1);
	if (!r->payload)
		return -1;
	memcpy(r->payload, esc, r->plen + 1);
	return 0;
}

static int push(struct recs *rs, const struct rec *r)
{
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 64;
		struct rec *v = realloc(rs->v, cap * sizeof(*v));
		if (!v)
			return -1;
		rs->v = v;
		rs->cap = cap;
	}
	rs->v[rs->n++] = *r;
	return 0;
}

struct line {
	const char *p;
	size_t n;
	int used;  /* consumed as the tail of a repaired record */
};

/* The transcript's lines, with a trailing '\r' (serial "\r\n") dropped. */
static struct line *split_lines(const char *text, size_t len, size_t *count)
{
	size_t cap = 256, n = 0;
	struct line *v = malloc(cap * sizeof(*v));
	const char *p = text, *end = text + len;

	while (v && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;
		if (n == cap) {
			struct line *w = realloc(v, (cap *= 2) * sizeof(*v));
			if (!w) {
				free(v);
				return NULL;
			}
			v = w;
		}
		size_t l = (size_t)(e - p);
		while (l > 0 && (p[l - 1] == '\r' || p[l - 1] == '\0'))
			l--;
		v[n++] = (struct line){ p, l, 0 };
		p = nl ? nl + 1 : end;
	}
	*count = n;
	return v;
}

/* A record cut by a kernel message: its head is at the end of line i (from
 * position at), the kernel text follows it, and its tail starts one of the
 * next lines.  Try every cut of the head against each candidate tail; the
 * crc decides.  Only heads that match the marker + nonce so far are tried. */
static int repair(struct line *ls, size_t nls, size_t i, size_t at, const char *nonce,
		  struct rec *r)
{
	char mk[128], cand[MAX_RECORD];
	const char *head = ls[i].p + at;
	size_t hn = ls[i].n - at, mkl, m = 0;

	snprintf(mk, sizeof(mk), MARK "%s ", nonce);
	mkl = strlen(mk);
	while (m < hn && m < mkl && head[m] == mk[m])
		m++;
	/* Unless the whole marker is there, the cut lies inside the marker. */
	size_t cmax = m < mkl ? m : hn < MAX_RECORD ? hn : MAX_RECORD - 1;
	for (size_t c = cmax; c >= 1; c--) {
		for (size_t k = i + 1; k < nls && k <= i + REPAIR_LOOKAHEAD; k++) {
			struct line *t = &ls[k];
			if (t->used || c + t->n >= MAX_RECORD)
				continue;
			memcpy(cand, head, c);
			memcpy(cand + c, t->p, t->n);
			if (parse_record(cand, c + t->n, nonce, r) == 0) {
				t->used = 1;
				return 0;
			}
		}
	}
	return -1;
}

/* All valid records of the transcript, in transcript order. */
static int collect(const char *text, size_t len, const char *nonce, struct recs *rs)
{
	size_t nls = 0, budget = REPAIR_BUDGET;
	struct line *ls = split_lines(text, len, &nls);

	if (!ls && len)
		return -1;
	for (size_t i = 0; i < nls; i++) {
		const char *p = ls[i].p, *at;
		size_t n = ls[i].n;
		struct rec r;
		int found = 0;

		if (ls[i].used)
			continue;
		/* A record may follow kernel text on the same line. */
		for (at = memchr(p, '@', n); at && !found; at = memchr(at + 1, '@', n - (size_t)(at + 1 - p))) {
			if (at > p && at[-1] == '@')
				continue;
			if (parse_record(at, n - (size_t)(at - p), nonce, &r) == 0 ||
			    (budget && budget-- && repair(ls, nls, i, (size_t)(at - p), nonce, &r) == 0 &&
			     ++rs->repaired)) {
				found = 1;
				if (push(rs, &r) < 0) {
					free(r.payload);
					free(ls);
					return -1;
				}
			}
			if (at + 1 >= p + n)
				break;
		}
	}
	free(ls);
	return 0;
}

static int by_seq(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static const char *find_str(const char *hay, size_t n, const char *needle)
{
	size_t l = strlen(needle);

	for (size_t i = 0; i + l <= n; i++)
		if (!memcmp(hay + i, needle, l))
			return hay + i;
	return NULL;
}

/* Copy the rest of the line starting at p, trimmed, into out. */
static void rest_of_line(const char *p, const char *end, char *out, size_t outlen)
{
	size_t n = 0;

	while (p < end && *p == ' ')
		p++;
	while (p + n < end && p[n] != '\n' && p[n] != '\r')
		n++;
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '-'))
		n--;
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, p, n);
	out[n] = '\0';
	for (size_t i = 0; i < n; i++)
		if (!isprint((unsigned char)out[i]))
			out[i] = '?';
}

int console_failure(const char *text, size_t len, char *out, size_t outlen)
{
	static const char panic[] = "Kernel panic - not syncing:";
	const char *p = find_str(text, len, panic), *end = text + len;
	char what[400];

	if (p) {
		rest_of_line(p + strlen(panic), end, what, sizeof(what));
		snprintf(out, outlen, "kernel panic: %s", what);
		return 1;
	}
	/* The x86 decompressor's error() (arch/x86/boot/compressed/misc.c) prints
	 * "\n\n<msg>\n\n -- System halted" and spins: the message is the line before. */
	p = find_str(text, len, "-- System halted");
	if (p) {
		const char *q = p;
		while (q > text && (q[-1] == '\n' || q[-1] == '\r' || q[-1] == ' '))
			q--;
		const char *s = q;
		while (s > text && s[-1] != '\n' && s[-1] != '\r')
			s--;
		rest_of_line(s, q, what, sizeof(what));
		snprintf(out, outlen, "the kernel halted: %s", what[0] ? what : "(no message)");
		return 1;
	}
	return 0;
}

/* What the records say about one probe. */
struct pstate {
	char name[64];
	char *out, *err;
	size_t olen, elen;
	int begun, ended, lost;
	char status[16], reason[256];
	int exit_code, sig;
	long duration_ms;
};

struct session {
	struct pstate *p;
	size_t n;
	json_t *facts;
	int hello, done;
};

static struct pstate *pstate_get(struct session *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->p[i].name, name))
			return &s->p[i];
	struct pstate *v = realloc(s->p, (s->n + 1) * sizeof(*v));
	if (!v)
		return NULL;
	s->p = v;
	memset(&v[s->n], 0, sizeof(v[s->n]));
	snprintf(v[s->n].name, sizeof(v[s->n].name), "%s", name);
	v[s->n].exit_code = -1;
	return &v[s->n++];
}

static int append(char **buf, size_t *len, const char *p, size_t n, int newline)
{
	char *b = realloc(*buf, *len + n + 2);

	if (!b)
		return -1;
	memcpy(b + *len, p, n);
	*len += n;
	if (newline)
		b[(*len)++] = '\n';
	b[*len] = '\0';
	*buf = b;
	return 0;
}

/* JSON strings must be UTF-8: anything outside printable ASCII becomes '?'. */
static char *printable(char *p)
{
	for (char *q = p; *q; q++)
		if ((unsigned char)*q < 0x20 || (unsigned char)*q >= 0x7f)
			*q = '?';
	return p;
}

/* "status=measured exit=0 signal=0 duration_ms=12 reason=..." (reason last). */
static void parse_end(struct pstate *ps, const char *payload)
{
	const char *r = strstr(payload, "reason=");
	char st[16] = "";

	sscanf(payload, "status=%15s exit=%d signal=%d duration_ms=%ld", st, &ps->exit_code,
	       &ps->sig, &ps->duration_ms);
	snprintf(ps->status, sizeof(ps->status), "%s", st);
	if (r)
		snprintf(ps->reason, sizeof(ps->reason), "%s", r + 7);
	printable(ps->reason);
	ps->ended = 1;
}

static int apply(struct session *s, const struct rec *r)
{
	struct pstate *ps;

	switch (r->kind) {
	case 'H': s->hello = 1; return 0;
	case 'D': s->done = 1; return 0;
	case 'F': return json_object_set_new(s->facts, r->name, json_string(printable(r->payload)));
	}
	if (!(ps = pstate_get(s, r->name)))
		return -1;
	switch (r->kind) {
	case 'B': ps->begun = 1; return 0;
	case 'X': parse_end(ps, r->payload); return 0;
	case 'O': case 'o':
		return append(&ps->out, &ps->olen, r->payload, r->plen, r->kind == 'O');
	default: /* E, e */
		return append(&ps->err, &ps->elen, r->payload, r->plen, r->kind == 'E');
	}
}

/* Sequence gaps: a record lost between two records of the same probe (or
 * where the probe's end record is missing) damages that probe's output. */
static size_t blame_gaps(struct session *s, const struct rec *v, size_t n)
{
	size_t lost = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned long expect = i ? v[i - 1].seq + 1 : 0;
		if (v[i].seq == expect)
			continue;
		lost += v[i].seq - expect;
		const struct rec *before = i ? &v[i - 1] : NULL, *after = &v[i];
		int before_open = before && strchr("BOoEe", before->kind);
		if (before_open) {
			struct pstate *ps = pstate_get(s, before->name);
			if (ps && (strcmp(before->name, after->name) || !strchr("B", after->kind)))
				ps->lost += (int)(v[i].seq - expect);
		}
		if (strchr("OoEeX", after->kind) && (!before || strcmp(before->name, after->name))) {
			/* Lost: its begin record (harmless) when it has none, plus output. */
			struct pstate *ps = pstate_get(s, after->name);
			if (ps)
				ps->lost += (int)(v[i].seq - expect) - (ps->begun ? 0 : 1);
		}
	}
	return lost;
}

/* The probe entry for one probe, however far the guest got with it. */
static json_t *probe_result(const struct pstate *ps, const struct console_opts *o,
			    const char *failure, int finished)
{
	char why[700];
	json_t *e;

	if (!ps || !ps->begun) {
		if (ps && ps->ended)
			goto ended;  /* its begin record was lost: harmless */
		snprintf(why, sizeof(why), finished ? "the guest did not run it" : "not run: %s",
			 failure ? failure : "the guest stopped");
		e = probe_entry_new("broken", json_object(), 0, -1, 0, NULL);
		json_object_set_new(e, "reason", json_string(why));
		return e;
	}
	if (!ps->ended && !ps->lost) {
		snprintf(why, sizeof(why), o->host_timed_out ? "the host's deadline passed while it ran%s%s"
			 : "the guest stopped while it ran%s%s", failure ? ": " : "", failure ? failure : "");
		e = probe_entry_new(o->host_timed_out ? "timeout" : "broken",
				    probeout_parse(ps->out ? ps->out : "", ps->olen), 0, -1, 0, ps->err);
		json_object_set_new(e, "reason", json_string(why));
		return e;
	}
ended:;
	struct probeout_issue issue;
	const char *st = ps->status;
	if (strcmp(st, "measured") && strcmp(st, "skipped") && strcmp(st, "broken") && strcmp(st, "timeout"))
		st = probe_status_from_exit(ps->exit_code, ps->sig, 0);
	if (ps->lost)
		st = "broken";
	e = probe_entry_new(st, probeout_parse_checked(ps->out ? ps->out : "", ps->olen, &issue),
			    ps->duration_ms, ps->exit_code, ps->sig, ps->err);
	if (e && !ps->lost && issue.line) {
		/* the same rule as a live run's (probeout.h) */
		snprintf(why, sizeof(why), "stdout line %d: %s", issue.line, issue.what);
		probeout_mark_broken(e, why);
	}
	if (e && ps->lost) {
		snprintf(why, sizeof(why), "console output damaged: %d record(s) of this probe lost", ps->lost);
		json_object_set_new(e, "reason", json_string(why));
	} else if (e && ps->reason[0] && !json_object_get(e, "reason")) {
		json_object_set_new(e, "reason", json_string(ps->reason));
	}
	return e;
}

static void session_free(struct session *s, struct recs *rs)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->p[i].out);
		free(s->p[i].err);
	}
	free(s->p);
	json_decref(s->facts);
	for (size_t i = 0; i < rs->n; i++)
		free(rs->v[i].payload);
	free(rs->v);
}

/* Records sorted by seq with duplicates dropped (the same record seen twice). */
static int replay_records(struct session *s, struct recs *rs)
{
	size_t w = 0;

	if (rs->n)
		qsort(rs->v, rs->n, sizeof(rs->v[0]), by_seq);
	for (size_t i = 0; i < rs->n; i++) {
		if (w && rs->v[w - 1].seq == rs->v[i].seq) {
			free(rs->v[i].payload);
			continue;
		}
		rs->v[w++] = rs->v[i];
	}
	rs->n = w;
	for (size_t i = 0; i < rs->n; i++)
		if (apply(s, &rs->v[i]) < 0)
			return -1;
	return 0;
}

static void describe_failure(const char *text, size_t len, const struct console_opts *o,
			     const struct session *s, char *out, size_t outlen)
{
	char k[512];
	int kernel = console_failure(text, len, k, sizeof(k));

	if (!kernel)
		snprintf(k, sizeof(k), "%s", s->hello ? "the guest stopped before its init finished"
			 : "the guest never reached nsprobe's init (no output from it)");
	snprintf(out, outlen, "%s%s%s", k, o->host_note ? "; " : "", o->host_note ? o->host_note : "");
}

json_t *console_extract(const char *text, size_t len, const struct console_opts *o,
			struct nerr *err)
{
	struct recs rs = { 0 };
	struct session s = { .facts = json_object() };
	char failure[1024];
	json_t *out = NULL, *probes = json_object();
	size_t lost;
	int finished;

	if (!s.facts || !probes || collect(text, len, o->nonce, &rs) < 0 || replay_records(&s, &rs) < 0)
		goto oom;
	lost = blame_gaps(&s, rs.v, rs.n);
	finished = s.done;
	for (size_t i = 0; o->probes && o->probes[i]; i++) {
		struct pstate *ps = pstate_get(&s, o->probes[i]);
		if (!ps || (!ps->ended && !ps->lost))
			finished = 0;
	}
	if (!finished)
		describe_failure(text, len, o, &s, failure, sizeof(failure));
	for (size_t i = 0; i < s.n; i++) {
		json_t *e = probe_result(&s.p[i], o, finished ? NULL : failure, finished);
		if (!e || json_object_set_new(probes, s.p[i].name, e) < 0)
			goto oom;
	}
	out = json_pack("{s:b, s:b, s:O, s:o, s:s?, s:I, s:I, s:I}", "booted", s.hello, "finished",
			finished, "facts", s.facts, "probes", probes, "failure", finished ? NULL : failure,
			"records", (json_int_t)rs.n, "repaired", (json_int_t)rs.repaired,
			"lost", (json_int_t)lost);
	probes = NULL;
	if (!out)
		goto oom;
	session_free(&s, &rs);
	return out;
oom:
	json_decref(probes);
	session_free(&s, &rs);
	nerr_set(err, 12, "out of memory reading the console transcript");
	return NULL;
}

void console_scan(const char *text, size_t len, const char *nonce, struct console_progress *p)
{
	const char *end = text + len, *s = text + p->scanned;
	char why[256];

	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		if (!nl)
			break;
		const char *at = find_str(s, (size_t)(nl - s), MARK);
		size_t n = (size_t)(nl - s);
		while (n > 0 && s[n - 1] == '\r')
			n--;
		struct rec r;
		if (at && parse_record(at, n - (size_t)(at - s), nonce, &r) == 0) {
			if (r.kind == 'H')
				p->hello = 1;
			else if (r.kind == 'D')
				p->done = 1;
			else if (r.kind == 'B') {
				p->begun++;
				snprintf(p->current, sizeof(p->current), "%s", r.name);
			}
			free(r.payload);
		} else if (!at && console_failure(s, (size_t)(nl + 1 - s), why, sizeof(why))) {
			p->fatal = 1;
		}
		s = nl + 1;
	}
	p->scanned = (size_t)(s - text);
}
