/*
 * formats/readahead: spans anywhere in a file of several chunks hold the
 * file's bytes (byte i of the test file is a function of i), spans only
 * move forward and stay below the cap, a file shorter than announced (it
 * shrank) is an I/O error naming the byte, and stopping early joins the
 * thread without reading the rest.
 */
#include <criterion/criterion.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formats/readahead.h"
#include "testutil.h"

#define FILE_BYTES (5u * 1024u * 1024u + 12345u)

static uint8_t
byte_at(uint64_t i)
{
	return (uint8_t)(i * 2654435761u >> 13);
}

static char *
pattern_file(size_t n)
{
	uint8_t *d = malloc(n);
	char *path;

	cr_assert_not_null(d);
	for (size_t i = 0; i < n; i++)
		d[i] = byte_at(i);
	path = tu_write_temp(d, n, ".bin");
	cr_assert_not_null(path);
	free(d);
	return path;
}

static void
expect_span(struct readahead *r, uint64_t off, size_t need)
{
	const uint8_t *p;
	size_t avail;

	cr_assert_eq(readahead_span(r, off, need, &p, &avail), RC_OK,
	    "%llu+%zu: %s", (unsigned long long)off, need,
	    readahead_errmsg(r));
	cr_assert_geq(avail, need);
	for (size_t i = 0; i < need; i++)
		cr_assert_eq(p[i], byte_at(off + i), "byte %llu",
		    (unsigned long long)(off + i));
	/* the bytes past the span that the reader says are there */
	cr_assert_eq(p[avail - 1], byte_at(off + avail - 1), "byte %llu",
	    (unsigned long long)(off + avail - 1));
	if (avail > need)
		cr_assert_eq(p[need + (avail - need) / 2],
		    byte_at(off + need + (avail - need) / 2));
}

Test(readahead, spans_across_chunks_hold_the_file_bytes)
{
	char *path = pattern_file(FILE_BYTES);
	int fd = open(path, O_RDONLY);
	struct readahead *r;
	uint64_t off = 100;
	uint32_t seed = 3;

	cr_assert_geq(fd, 0);
	cr_assert_eq(readahead_open(fd, 100, FILE_BYTES, &r), RC_OK);
	while (off < FILE_BYTES) {
		size_t need;

		seed = seed * 1103515245u + 12345u;
		need = (seed >> 8) % READAHEAD_MAX_SPAN + 1;
		if (need > FILE_BYTES - off)
			need = (size_t)(FILE_BYTES - off);
		expect_span(r, off, need);
		/* A shorter span at the same place is still fine. */
		expect_span(r, off, need / 2);
		off += (seed >> 4) % 3 == 0 ? need : need / 3 + 1;
	}
	readahead_free(r);
	close(fd);
	unlink(path);
	free(path);
}

Test(readahead, contract_violations_and_a_shrunk_file)
{
	char *path = pattern_file(3u << 20);
	int fd = open(path, O_RDONLY);
	struct readahead *r;
	const uint8_t *p;

	cr_assert_geq(fd, 0);
	/* Announce 4 MiB: the file "shrank" to 3 MiB. */
	cr_assert_eq(readahead_open(fd, 0, 4u << 20, &r), RC_OK);
	cr_expect_eq(readahead_span(r, 0, READAHEAD_MAX_SPAN + 1, &p, NULL),
	    RC_INVAL);
	expect_span(r, 2u << 20, 4096);
	cr_expect_eq(readahead_span(r, 1u << 20, 16, &p, NULL), RC_INVAL,
	    "backwards");
	cr_expect_eq(readahead_span(r, (3u << 20) - 8, 16, &p, NULL), RC_IO);
	cr_expect(strstr(readahead_errmsg(r), "shrank") != NULL, "%s",
	    readahead_errmsg(r));
	cr_expect(strstr(readahead_errmsg(r), "3145728") != NULL, "%s",
	    readahead_errmsg(r));
	readahead_free(r);
	close(fd);
	unlink(path);
	free(path);
}

Test(readahead, stopping_early_joins_the_thread, .timeout = 10)
{
	char *path = pattern_file(FILE_BYTES);
	int fd = open(path, O_RDONLY);
	struct readahead *r;

	cr_assert_geq(fd, 0);
	for (int i = 0; i < 50; i++) {
		cr_assert_eq(readahead_open(fd, 0, FILE_BYTES, &r), RC_OK);
		if (i % 2)
			expect_span(r, 0, 64);
		readahead_free(r);
	}
	readahead_free(NULL);
	close(fd);
	unlink(path);
	free(path);
}
