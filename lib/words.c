/* SPDX-License-Identifier: ISC */
/* words.c: split a command line into argv (words.h has the rules). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/words.h"
#include "lib/xalloc.h"

/*
 * One pass does both jobs: with out == NULL it only counts and checks; with
 * out it writes the words, each NUL-terminated, one after the other. The
 * unquoted text never grows, so strlen(s) + 1 bytes per word hold them all.
 */
static int
words_scan(const char *s, char *out, size_t *nwords, char *err, size_t errlen)
{
	const char *p = s, *open;
	size_t n = 0;
	int inword = 0;

	for (;;) {
		if (*p == '\0' || *p == ' ' || *p == '\t') {
			if (inword) {
				if (out != NULL)
					*out++ = '\0';
				n++;
				inword = 0;
			}
			if (*p == '\0')
				break;
			p++;
			continue;
		}
		if (!inword && n == WORDS_MAX) {
			snprintf(err, errlen, "more than %d words", WORDS_MAX);
			return -1;
		}
		inword = 1;
		switch (*p) {
		case '\'':
			open = p++;
			while (*p != '\0' && *p != '\'') {
				if (out != NULL)
					*out++ = *p;
				p++;
			}
			if (*p == '\0') {
				snprintf(err, errlen,
					 "unterminated single quote (opened at character %zu)",
					 (size_t)(open - s) + 1);
				return -1;
			}
			p++;
			break;
		case '"':
			open = p++;
			while (*p != '\0' && *p != '"') {
				if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
					p++;
				if (out != NULL)
					*out++ = *p;
				p++;
			}
			if (*p == '\0') {
				snprintf(err, errlen,
					 "unterminated double quote (opened at character %zu)",
					 (size_t)(open - s) + 1);
				return -1;
			}
			p++;
			break;
		case '\\':
			if (p[1] == '\0') {
				snprintf(err, errlen, "backslash at the end (nothing to escape)");
				return -1;
			}
			if (out != NULL)
				*out++ = p[1];
			p += 2;
			break;
		default:
			if (out != NULL)
				*out++ = *p;
			p++;
			break;
		}
	}
	if (n == 0) {
		snprintf(err, errlen, "empty command");
		return -1;
	}
	*nwords = n;
	return 0;
}

/* Split s into a NULL-terminated argv in one allocation. */
int
words_split(const char *s, char ***argvp, char *err, size_t errlen)
{
	size_t n, i, len = strlen(s);
	char **argv, *text;

	*argvp = NULL;
	if (words_scan(s, NULL, &n, err, errlen) != 0)
		return -1;
	argv = xmalloc((n + 1) * sizeof(*argv) + len + 1);
	text = (char *)(argv + n + 1);
	if (words_scan(s, text, &n, err, errlen) != 0) {
		free(argv);
		return -1;
	}
	for (i = 0; i < n; i++) {
		argv[i] = text;
		text += strlen(text) + 1;
	}
	argv[n] = NULL;
	*argvp = argv;
	return (int)n;
}
