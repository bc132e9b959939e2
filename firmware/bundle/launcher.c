/* SPDX-License-Identifier: MIT */
/*
 * bootstrap: the entry point of the cordon Lambda zip. A custom runtime's
 * bootstrap is exec'd directly with no arguments, so this runs
 * `cordon respond` (a Lambda runtime when AWS_LAMBDA_RUNTIME_API is set);
 * with arguments it runs `cordon ARGS...`, for tests and operators. Static,
 * no shell: it needs nothing from the system. CORDON_EXEC is the binary
 * whose interpreter and run path point into the same prefix (make lambda).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef CORDON_EXEC
#define CORDON_EXEC "/var/task/bin/cordon"
#endif
#define MAX_ARGS 256

int main(int argc, char **argv)
{
	static char *args[MAX_ARGS + 2];
	int n = 0;

	if (argc > MAX_ARGS) {
		fprintf(stderr, "bootstrap: %d arguments, at most %d\n", argc - 1, MAX_ARGS - 1);
		return 2;
	}
	args[n++] = "cordon";
	if (argc < 2)
		args[n++] = "respond";
	for (int i = 1; i < argc; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	execv(CORDON_EXEC, args);
	fprintf(stderr, "bootstrap: cannot run %s: %s\n", CORDON_EXEC, strerror(errno));
	return 127;
}
