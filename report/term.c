/* term.c - colour and wrapping for people reading on a terminal (term.h).  The
 * printers keep writing plain lines to stdout; on a terminal, term_human()
 * makes stdout a line filter (glibc's fopencookie; glibc documents stdout as
 * an ordinary variable one may set) that wraps each line before it reaches
 * the terminal.  Status words carry their colour from term_status().
 */
#include "report/term.h"

#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/types.h>
#include <unistd.h>

enum color_mode { COLOR_AUTO, COLOR_ALWAYS, COLOR_NEVER };

static enum color_mode color_mode = COLOR_AUTO;

int term_set_color(const char *when)
{
	if (!when || !strcmp(when, "always"))
		color_mode = COLOR_ALWAYS;
	else if (!strcmp(when, "never"))
		color_mode = COLOR_NEVER;
	else if (!strcmp(when, "auto"))
		color_mode = COLOR_AUTO;
	else
		return -1;
	return 0;
}

static bool to_file;

void term_to_file(void)
{
	to_file = true;
}

bool term_color(void)
{
	static int decided = -1;
	const char *no_color = getenv("NO_COLOR"), *term = getenv("TERM");

	if (color_mode != COLOR_AUTO)
		return color_mode == COLOR_ALWAYS;
	if (to_file)
		return false;
	if (decided < 0)  /* https://no-color.org: set and not empty means no colour */
		decided = isatty(STDOUT_FILENO) && !(no_color && *no_color) && term && *term &&
			  strcmp(term, "dumb") != 0;
	return decided;
}

int term_width(int fd)
{
	struct winsize ws;
	const char *env = getenv("COLUMNS");
	char *end;
	long w = 0;

	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		w = ws.ws_col;
	else if (env && *env && (w = strtol(env, &end, 10), *end || w <= 0))
		w = 0;
	if (w <= 0)
		w = 80;
	return w < 20 ? 20 : w > 4096 ? 4096 : (int)w;
}

/* --- colour ------------------------------------------------------------------ */

enum term_hue term_hue_of(const char *s)
{
	static const char *const good[] = { "not-affected", "ok", "measured", "works here",
					    "does not hold", "qualified", NULL };
	static const char *const bad[] = { "affected", "broken", "timeout", "WILL FAIL here",
					   "HOLDS", "not qualified", NULL };
	static const char *const warn[] = { "untestable", "skipped", "may fail here", "unknown",
					    "could not be tested", "cannot tell from here", NULL };

	for (size_t i = 0; s && good[i]; i++)
		if (!strcmp(s, good[i]))
			return TERM_GOOD;
	for (size_t i = 0; s && bad[i]; i++)
		if (!strcmp(s, bad[i]))
			return TERM_BAD;
	for (size_t i = 0; s && warn[i]; i++)
		if (!strcmp(s, warn[i]))
			return TERM_WARN;
	return TERM_PLAIN;
}

const char *term_paint(enum term_hue hue, const char *s, int width)
{
	static const char *const sgr[] = { "", "\033[32m", "\033[1;31m", "\033[33m", "\033[36m" };
	static __thread char ring[8][512];
	static __thread unsigned next;
	char *buf = ring[next++ % 8];
	bool paint = hue != TERM_PLAIN && term_color();
	int len = (int)strlen(s ? s : "");

	snprintf(buf, sizeof(ring[0]), "%s%s%s%*s", paint ? sgr[hue] : "", s ? s : "",
		 paint ? "\033[0m" : "", width > len ? width - len : 0, "");
	return buf;
}

const char *term_status(const char *status, int width)
{
	return term_paint(term_hue_of(status), status, width);
}

const char *term_behaviour(const char *status, const char *severity, int width)
{
	bool rule = status && severity && !strcmp(status, "affected") && !strcmp(severity, "semantics");

	return term_paint(rule ? TERM_NOTE : term_hue_of(status), status, width);
}

/* --- wrapping ---------------------------------------------------------------- */

/* The bytes and columns of the character (or escape sequence) at s[i]. */
static size_t unit(const char *s, size_t n, size_t i, int *cols)
{
	size_t k = i + 1;

	if (s[i] == '\033' && k < n && s[k] == '[') {  /* CSI ... final byte */
		for (k++; k < n && !((unsigned char)s[k] >= 0x40 && (unsigned char)s[k] <= 0x7e); k++)
			;
		*cols = 0;
		return (k < n ? k + 1 : n) - i;
	}
	while (k < n && ((unsigned char)s[k] & 0xc0) == 0x80)  /* UTF-8 continuation */
		k++;
	*cols = 1;
	return k - i;
}

static int columns(const char *s, size_t n)
{
	int total = 0, c;

	for (size_t i = 0, len; i < n; i += len) {
		len = unit(s, n, i, &c);
		total += c;
	}
	return total;
}

/* The widest word of s, in columns. */
static int widest_word(const char *s, size_t n)
{
	int widest = 0, cur = 0, c;

	for (size_t i = 0, len; i < n; i += len) {
		len = unit(s, n, i, &c);
		cur = s[i] == ' ' ? 0 : cur + c;
		widest = cur > widest ? cur : widest;
	}
	return widest;
}

/* The index of the first byte at or after i that is not a space. */
static size_t skip_spaces(const char *s, size_t n, size_t i)
{
	while (i < n && s[i] == ' ')
		i++;
	return i;
}

/* Where continuation lines start: the line's last column (text after two or
 * more spaces) or the text after a leading label ("advice: "), if that leaves
 * 30 columns and room for the widest word; else 4 more than the line's indent. */
static int hanging_indent(const char *s, size_t n, int indent, int width)
{
	int col = indent, cand = -1, c, room = widest_word(s, n);
	size_t i = (size_t)indent, w = i, len;

	while (w < n && s[w] != ' ')
		w++;
	if (w > i + 1 && w < n && s[w - 1] == ':' && w - i <= 16)  /* "advice: ..." */
		cand = columns(s, skip_spaces(s, n, w));
	for (; i < n && col <= width; i += len, col += c) {
		len = unit(s, n, i, &c);
		if (i >= 2 && s[i] != ' ' && s[i - 1] == ' ' && s[i - 2] == ' ' && (int)i > indent)
			cand = col;
	}
	if (cand >= 0 && cand <= width - (room > 30 ? room : 30))
		return cand;
	return indent + 4 < width / 2 ? indent + 4 : width / 2;
}

void term_wrap_line(FILE *out, const char *s, size_t n, int width)
{
	int indent = (int)skip_spaces(s, n, 0), hang, room = width, c;
	size_t pos = 0, len;

	if ((int)n <= width || columns(s, n) <= width) {
		fwrite(s, 1, n, out);
		fputc('\n', out);
		return;
	}
	hang = hanging_indent(s, n, indent, width);
	while (pos < n) {
		size_t i = pos, cut = 0, end, shown;
		int used = 0;

		for (; i < n; i += len) {
			len = unit(s, n, i, &c);
			if (used + c > room)
				break;
			if (s[i] == ' ' && i > pos && (pos > 0 || (int)i > indent))
				cut = i;
			used += c;
		}
		end = i >= n ? n : cut ? cut : i > pos ? i : pos + unit(s, n, pos, &c);
		shown = end;
		while (shown > pos && s[shown - 1] == ' ' && end < n)
			shown--;
		if (pos > 0)
			fprintf(out, "%*s", hang, "");
		fwrite(s + pos, 1, shown - pos, out);
		fputc('\n', out);
		pos = skip_spaces(s, n, end);
		room = width - hang;
	}
}

/* --- the stdout filter ------------------------------------------------------- */

struct wrapper {
	FILE *sink;       /* the real stdout */
	int width;
	char *line;       /* the line so far */
	size_t len, cap;
};

static struct wrapper *filter;

static ssize_t filter_write(void *cookie, const char *data, size_t n)
{
	struct wrapper *w = cookie;

	for (size_t i = 0; i < n; i++) {
		if (data[i] == '\n') {
			term_wrap_line(w->sink, w->line ? w->line : "", w->len, w->width);
			w->len = 0;
			continue;
		}
		if (w->len + 1 >= w->cap) {
			size_t cap = w->cap ? w->cap * 2 : 256;
			char *bigger = realloc(w->line, cap);

			if (!bigger)
				return -1;
			w->line = bigger;
			w->cap = cap;
		}
		w->line[w->len++] = data[i];
	}
	return fflush(w->sink) == EOF ? -1 : (ssize_t)n;
}

static int filter_close(void *cookie)
{
	struct wrapper *w = cookie;

	if (w->len)  /* an unfinished last line: as it is */
		fwrite(w->line, 1, w->len, w->sink);
	fflush(w->sink);
	free(w->line);
	free(w);
	return 0;
}

/* At exit: everything the filter holds reaches the terminal, stdout is the real one again. */
static void filter_finish(void)
{
	FILE *f = stdout;

	if (!filter)
		return;
	fflush(f);
	stdout = filter->sink;
	filter = NULL;
	fclose(f);
}

FILE *term_human(void)
{
	static bool tried;
	cookie_io_functions_t io = { .read = NULL, .write = filter_write, .seek = NULL,
				     .close = filter_close };
	struct wrapper *w;
	FILE *f;

	if (tried || !isatty(STDOUT_FILENO))
		return stdout;
	tried = true;
	w = calloc(1, sizeof(*w));
	if (!w)
		return stdout;
	w->sink = stdout;
	w->width = term_width(STDOUT_FILENO);
	f = fopencookie(w, "w", io);
	if (!f) {
		free(w);
		return stdout;
	}
	setvbuf(f, NULL, _IOLBF, BUFSIZ);
	fflush(stdout);
	filter = w;
	stdout = f;
	atexit(filter_finish);
	return stdout;
}
