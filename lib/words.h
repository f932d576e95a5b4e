/* SPDX-License-Identifier: ISC */
/* words.h: split a command line into argv, without a shell. */
#ifndef HAMON_WORDS_H
#define HAMON_WORDS_H
#include <stddef.h>

/* Most words one command may have. */
#define WORDS_MAX 256

/*
 * Split s into words, the way a hook's command is given (hamon.conf(5),
 * EXEC HOOKS):
 *
 *   - words are separated by unquoted spaces and tabs;
 *   - 'single quotes' keep everything up to the next ' as it is;
 *   - "double quotes" keep everything as it is, except that \" and \\
 *     stand for " and \ (any other backslash is kept);
 *   - outside quotes a backslash makes the next character an ordinary one
 *     (so "a\ b" is one word);
 *   - nothing else is special: no variables, no globbing, no redirection,
 *     no ~, no comments. For those, give `sh -c '...'` as the command.
 *
 * On success *argvp is a NULL-terminated array in one allocation (one
 * free() releases it all) and the number of words (at least 1) is
 * returned. On error -1 and a reason in err: `unterminated single quote
 * (opened at character 5)`, `backslash at the end`, `empty command`.
 */
int words_split(const char *s, char ***argvp, char *err, size_t errlen);

#endif
