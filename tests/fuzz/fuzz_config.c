/* SPDX-License-Identifier: ISC */
/* fuzz_config.c: libFuzzer target for the configuration file reader. */
#include <sys/mman.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/config.h"
#include "lib/target.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Load the input as a file from a memfd, then validate and free it. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hamon_config cfg;
	char path[64], err[1024];
	int fd;

	target_no_resolve = 1;
	if ((fd = memfd_create("fuzz.conf", 0)) == -1)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	config_init(&cfg);
	if (config_load(&cfg, path, err, sizeof err) == 0) {
		config_add_target(&cfg, "fuzz=icmp://198.18.0.1", "argument 1", err, sizeof err);
		config_validate(&cfg, err, sizeof err);
	}
	config_free(&cfg);
	close(fd);
	return 0;
}
