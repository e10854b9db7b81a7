/* nerr.h - the error object of checks/ and report/ (crun's pattern): a function
 * that fails fills the `struct nerr *err` passed last and returns -1; callers add
 * context on the way up with nerr_prefix(); the top prints it once, as
 * "nsprobe: <context>: <cause>".  Probes do not use this (they die()).
 */
#ifndef NSPROBE_NERR_H
#define NSPROBE_NERR_H

#include <stddef.h>

struct nerr {
	int code;        /* an errno value when one caused it, else 0 */
	char msg[1024];
};

/* Fill err (which may be NULL) and return -1. */
int nerr_set(struct nerr *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Like nerr_set, with ": strerror(code)" appended. */
int nerr_errno(struct nerr *err, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Prepend "context: " to the message. */
void nerr_prefix(struct nerr *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print "nsprobe: <msg>" on stderr. */
void nerr_print(const struct nerr *err);

#endif
