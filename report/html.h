/* html.h - `nsprobe merge --format html`: the kernels x behaviours matrix as
 * one self-contained page (inline CSS, no script, no external resource) for a
 * distro engineer: problem behaviours coloured by status, semantics rules shown
 * neutral with their errno, the verdict cell coloured, every cell carrying its
 * evidence and advice in a <details>, hosts and dates per kernel, and the
 * disagreements with the release (the behaviours' `differs`) highlighted and
 * listed.  Below 720 px the matrix becomes one card per kernel.
 * (Implemented in html.c.)
 */
#ifndef NSPROBE_HTML_H
#define NSPROBE_HTML_H

#include <jansson.h>
#include <stdio.h>

/* kernels: the merged report's "kernels"; rel/ids: its keys and every behaviour
 * id, sorted (report_sorted_keys). */
void html_matrix(FILE *out, const json_t *kernels, const char **rel, size_t nrel,
		 const char **ids, size_t nids);

/* Text and attribute values: & < > " escaped. */
void html_escape(FILE *out, const char *s);

#endif
