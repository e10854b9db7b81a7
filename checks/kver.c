/* kver.c - parse a `uname -r` release string into major.minor.patch, the
 * distro build number and a distro guess.  Release numbers are only evidence
 * for the judgement (the probes decide), so the parser is strict about the
 * numeric part and lenient about the suffix, which distros fill freely
 * ("-1160.el7.x86_64", "-210-generic", "-fc-v595", "+", "-rc3").
 */
#include "checks/kver.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bounds that no real release exceeds: they catch garbage such as "99999.1". */
#define KVER_MAX_MAJOR 99
#define KVER_MAX_MINOR 999
#define KVER_MAX_PATCH 99999

/* Parse a decimal number of at most 9 digits at *p; advance *p.  -1 if none,
 * -2 if it has more digits (out of range for any release). */
static long parse_num(const char **p)
{
	const char *s = *p;
	long v = 0;
	int n = 0;

	while (isdigit((unsigned char)*s)) {
		if (++n > 9)
			return -2;
		v = v * 10 + (*s - '0');
		s++;
	}
	if (n == 0)
		return -1;
	*p = s;
	return v;
}

/* The distro a suffix names, from markers distros put there.  ".el7a" is RHEL 7's
 * 4.x kernel-alt (4.14.0-115.el7a.aarch64), not the 3.10.0 el7 kernel. */
static const char *guess_distro(const char *local)
{
	static const struct { const char *marker, *distro; } tab[] = {
		{ ".el9", "el9" }, { ".el8", "el8" }, { ".el7a", "el7a" }, { ".el7", "el7" }, { ".el6", "el6" },
		{ ".el5", "el5" }, { "uek", "oracle" }, { "-aws", "aws" }, { "-azure", "azure" },
		{ "-gcp", "gcp" }, { "-generic", "ubuntu" }, { "-lowlatency", "ubuntu" },
		{ "-cloud-amd64", "debian" }, { "-amd64", "debian" }, { "-arm64", "debian" },
		{ ".fc", "fedora" }, { "-default", "suse" }, { "-arch", "arch" },
	};
	size_t i;

	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		if (strstr(local, tab[i].marker))
			return tab[i].distro;
	return "";
}

/* "-1160.el7" -> 1160, "-210-generic" -> 210; 0 if the suffix starts otherwise. */
static unsigned long parse_build(const char *local)
{
	const char *p = local;
	long v;

	if (*p != '-' || !isdigit((unsigned char)p[1]))
		return 0;
	p++;
	v = parse_num(&p);
	return v < 0 ? 0 : (unsigned long)v;
}

static int check_suffix(const char *shown, const char *local, struct nerr *err)
{
	const char *p;

	if (*local == '\0')
		return 0;
	if (isdigit((unsigned char)*local))
		return nerr_set(err, EINVAL, "'%s' is not a kernel release: a number is too long", shown);
	/* ".59-0.7-default" (SLES 2.6.32.59) and ".el7" are suffixes; ".x" is not */
	if (*local == '.' && !isdigit((unsigned char)local[1]) && strspn(local + 1, "abcdefghijklmnopqrstuvwxyz") < 2)
		return nerr_set(err, EINVAL, "'%s' is not a kernel release: expected a number after '.'", shown);
	for (p = local; *p; p++) {
		if (!isgraph((unsigned char)*p))
			return nerr_set(err, EINVAL, "'%s' is not a kernel release: "
					"blank or control character in the suffix", shown);
		/* what kernels put in a release (LOCALVERSION, distro builds): letters,
		 * digits and . _ - + ~; a ';', '/' or quote means this is something else */
		if (!isalnum((unsigned char)*p) && !strchr("._-+~", *p))
			return nerr_set(err, EINVAL, "'%s' is not a kernel release: "
					"unexpected character '%c' in the suffix", shown, *p);
	}
	return 0;
}

/* Parse "x.y" or "x.y.z" into out; *rest points after the numbers. */
static int parse_numbers(const char *s, const char *shown, struct kver *out, const char **rest,
			 struct nerr *err)
{
	const char *p = s;
	long major, minor, patch = 0;

	major = parse_num(&p);
	if (major == -2)
		return nerr_set(err, ERANGE, "'%s' is not a kernel release: version numbers out of range", shown);
	if (major < 0 || *p != '.')
		return nerr_set(err, EINVAL, "'%s' is not a kernel release: expected MAJOR.MINOR[.PATCH][suffix]", shown);
	p++;
	minor = parse_num(&p);
	if (minor == -2)
		return nerr_set(err, ERANGE, "'%s' is not a kernel release: version numbers out of range", shown);
	if (minor < 0)
		return nerr_set(err, EINVAL, "'%s' is not a kernel release: no minor number after '%ld.'", shown, major);
	out->has_patch = 0;
	if (*p == '.' && isdigit((unsigned char)p[1])) {
		p++;
		patch = parse_num(&p);	/* -2 (too long) fails the range test below */
		out->has_patch = 1;
	}
	if (major < 1 || major > KVER_MAX_MAJOR || minor > KVER_MAX_MINOR || patch < 0 ||
	    patch > KVER_MAX_PATCH)
		return nerr_set(err, ERANGE, "'%s' is not a kernel release: version numbers out of range", shown);
	out->major = (unsigned)major;
	out->minor = (unsigned)minor;
	out->patch = (unsigned)patch;
	*rest = p;
	return 0;
}

/* The input as a message may quote it: on one line, control characters and
 * bytes >= 0x7f escaped (\n, \xHH), cut after 64 characters. */
static void escape_for_message(const char *s, char *buf, size_t len)
{
	size_t o = 0, i;

	for (i = 0; s[i] && o + 8 < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (i == 64) {
			o += (size_t)snprintf(buf + o, len - o, "...");
			break;
		}
		if (c == '\\')
			o += (size_t)snprintf(buf + o, len - o, "\\\\");
		else if (c == '\n')
			o += (size_t)snprintf(buf + o, len - o, "\\n");
		else if (c < 0x20 || c >= 0x7f)
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o] = '\0';
}

int kver_parse(const char *s, struct kver *out, struct nerr *err)
{
	const char *local = "";
	char shown[300];

	memset(out, 0, sizeof(*out));
	if (!s || !*s)
		return nerr_set(err, EINVAL, "'' is not a kernel release: empty string");
	escape_for_message(s, shown, sizeof(shown));
	if (strlen(s) >= sizeof(out->raw))
		return nerr_set(err, EINVAL, "'%s' is not a kernel release: longer than %zu characters",
				shown, sizeof(out->raw) - 1);
	if (parse_numbers(s, shown, out, &local, err) < 0)
		return -1;
	if (check_suffix(shown, local, err) < 0)
		return -1;
	if (strlen(local) >= sizeof(out->local))
		return nerr_set(err, EINVAL, "'%s' is not a kernel release: suffix too long", shown);
	strcpy(out->raw, s);
	strcpy(out->local, local);
	out->build = parse_build(local);
	strcpy(out->distro, guess_distro(local));
	return 0;
}

static int cmp_u(unsigned a, unsigned b)
{
	return a < b ? -1 : a > b;
}

int kver_cmp(const struct kver *a, const struct kver *b)
{
	int c = cmp_u(a->major, b->major);

	if (!c)
		c = cmp_u(a->minor, b->minor);
	if (!c)
		c = cmp_u(a->patch, b->patch);
	return c;
}

unsigned long kver_code(const struct kver *v)
{
	unsigned patch = v->patch > 255 ? 255 : v->patch;

	return ((unsigned long)v->major << 16) | ((unsigned long)v->minor << 8) | patch;
}
