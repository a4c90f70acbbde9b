/*
 * read_loop: the plain read(2) ceiling for BENCHMARKS.md. Reads the whole
 * file in 1 MiB chunks and folds one byte per 4 KiB page into a checksum
 * so nothing is optimised away. This is the I/O cost alone: no record
 * walking. The analyzer's stretch target is within 2x of it.
 *
 *   read_loop FILE   -> "bytes N"
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK	(1u << 20)

int
main(int argc, char **argv)
{
	uint8_t *buf;
	uint64_t total = 0;
	unsigned sum = 0;
	ssize_t n;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: read_loop FILE\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	buf = malloc(CHUNK);
	if (fd < 0 || buf == NULL) {
		fprintf(stderr, "read_loop: %s: %s\n", argv[1],
		    strerror(errno));
		return 1;
	}
	while ((n = read(fd, buf, CHUNK)) > 0) {
		size_t i;

		for (i = 0; i < (size_t)n; i += 4096)
			sum += buf[i];
		total += (uint64_t)n;
	}
	if (n < 0) {
		fprintf(stderr, "read_loop: %s\n", strerror(errno));
		return 1;
	}
	close(fd);
	free(buf);
	printf("bytes %" PRIu64 " (check %u)\n", total, sum & 0xff);
	return 0;
}
