/* term.h - human output on a terminal: status words in colour and lines wrapped
 * to the terminal's width; on a pipe or a file, neither (the text is then
 * byte for byte what tests and scripts parse).  Colour follows --color=WHEN
 * (auto, always, never; auto: stdout is a terminal, NO_COLOR is unset or empty
 * and TERM is not "dumb").  The width is the terminal's (TIOCGWINSZ), else
 * $COLUMNS, else 80.
 */
#ifndef NSPROBE_TERM_H
#define NSPROBE_TERM_H

#include <stdbool.h>
#include <stdio.h>

enum term_hue { TERM_PLAIN, TERM_GOOD, TERM_BAD, TERM_WARN, TERM_NOTE };

/* --color's WHEN: "auto", "always" (also NULL: a bare --color), "never"; -1 if none of them. */
int term_set_color(const char *when);
/* Whether status words are coloured (decided once, at the first call). */
bool term_color(void);
/* The human text goes to a file (--output), not to stdout: --color=auto
 * means no colour whatever stdout is. */
void term_to_file(void);
/* The width to wrap at: TIOCGWINSZ of fd, else $COLUMNS, else 80 (at least 20). */
int term_width(int fd);

/* What follows on stdout is for people: from now on, when stdout is a
 * terminal, stdout is a filter that wraps each line to term_width().  Returns
 * stdout (the filter or the original).  Call it before evaluating `stdout`
 * for human text; machine output (JSON, TAP...) must not go through it. */
FILE *term_human(void);

/* s painted in hue when colour is on, then padded with spaces to width
 * visible columns (0: no padding): "%-13s" for a coloured word.  The result
 * lives until the 8th next call in this thread. */
const char *term_paint(enum term_hue hue, const char *s, int width);
/* The hue of a status word: affected, not-affected, untestable, ok, broken ... */
enum term_hue term_hue_of(const char *status);
/* term_paint(term_hue_of(status), status, width). */
const char *term_status(const char *status, int width);
/* A behaviour's status: as term_status, except that an affected `semantics`
 * behaviour (a documented rule, not a defect) is a note, not an alarm. */
const char *term_behaviour(const char *status, const char *severity, int width);

/* Write one line (len bytes, without its '\n') to out wrapped at width visible
 * columns: breaks at spaces, continuation lines indented under the line's last
 * column (or its label "advice: ") when that leaves room, else 4 more than the
 * line's own indent; a word longer than the room is cut.  Escape sequences
 * take no room; UTF-8 counts one column per character. */
void term_wrap_line(FILE *out, const char *line, size_t len, int width);

#endif
