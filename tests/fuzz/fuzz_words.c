/* SPDX-License-Identifier: ISC */
/* fuzz_words.c: libFuzzer target for the hook command splitter (lib/words.c),
 * which reads hamon.conf and --on-down/--on-up/--on-unknown. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/words.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Quote each word in single quotes (a ' as '\'') and join them with
 * spaces: a command that must split back into the same words. Its length
 * is returned through *lenp; the buffer is malloc'd.
 */
static char *
fuzz_requote(char **argv, int n)
{
	size_t len = 1, k;
	char *q, *p;
	int i;

	for (i = 0; i < n; i++)
		len += 4 * strlen(argv[i]) + 3;
	if ((q = malloc(len)) == NULL)
		abort();
	p = q;
	for (i = 0; i < n; i++) {
		if (i > 0)
			*p++ = ' ';
		*p++ = '\'';
		for (k = 0; argv[i][k] != '\0'; k++) {
			if (argv[i][k] == '\'') {
				memcpy(p, "'\\''", 4);
				p += 4;
			} else
				*p++ = argv[i][k];
		}
		*p++ = '\'';
	}
	*p = '\0';
	return q;
}

/* Split one NUL-terminated copy; check what a success and an error promise. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char **argv, **again, *s, *q, err[256], tiny[8];
	size_t total = 0;
	int n, m, i;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';

	n = words_split(s, &argv, err, sizeof err);
	if (n < 0) {
		/* One line, terminated, and nothing to free. */
		if (argv != NULL || err[0] == '\0' || memchr(err, '\0', sizeof err) == NULL ||
		    strchr(err, '\n') != NULL)
			abort();
	} else {
		if (n < 1 || n > WORDS_MAX || argv == NULL || argv[n] != NULL)
			abort();
		/* Unquoting never adds text. */
		for (i = 0; i < n; i++) {
			if (argv[i] == NULL)
				abort();
			total += strlen(argv[i]);
		}
		if (total > strlen(s))
			abort();
		/* The words, quoted again, split back into themselves. */
		q = fuzz_requote(argv, n);
		m = words_split(q, &again, err, sizeof err);
		if (m != n)
			abort();
		for (i = 0; i < n; i++)
			if (strcmp(argv[i], again[i]) != 0)
				abort();
		free(again);
		free(q);
		free(argv);
	}
	/* A tiny error buffer must still be terminated and never overrun. */
	if (words_split(s, &argv, tiny, sizeof tiny) < 0) {
		if (memchr(tiny, '\0', sizeof tiny) == NULL)
			abort();
	} else
		free(argv);
	free(s);
	return 0;
}
