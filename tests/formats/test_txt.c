#include <criterion/criterion.h>
#include <stdarg.h>
#include <string.h>

#include "formats/txt.h"

/* A printf-like wrapper, as the readers' error formatters are. */
__attribute__((format(printf, 3, 4))) static void
named(struct txt *t, const char *name, const char *fmt, ...)
{
	va_list ap;

	txt_add(t, "%s: ", name);
	va_start(ap, fmt);
	txt_vadd(t, fmt, ap);
	va_end(ap);
}

Test(txt, appends_in_order)
{
	char b[64];
	struct txt t;

	txt_init(&t, b, sizeof(b));
	cr_expect_str_eq(b, "");
	named(&t, "cap.pcap", "record at byte %d: caplen %u", 24, 70000u);
	cr_expect_str_eq(b, "cap.pcap: record at byte 24: caplen 70000");
	cr_expect_eq(t.len, strlen(b));
}

Test(txt, cuts_at_the_buffer_and_counts_the_whole_text)
{
	char b[10];
	struct txt t;

	memset(b, 'x', sizeof(b));
	txt_init(&t, b, sizeof(b));
	named(&t, "long-name.pcapng", "%s", "and more");
	cr_expect_str_eq(b, "long-name", "cut, and terminated");
	cr_expect_eq(t.len, strlen("long-name.pcapng: and more"));
	txt_add(&t, "!");
	cr_expect_str_eq(b, "long-name", "a full buffer stays as it was");
	cr_expect_eq(t.len, strlen("long-name.pcapng: and more!"));
}

Test(txt, counts_without_a_buffer)
{
	struct txt t;

	txt_init(&t, NULL, 100);
	named(&t, "x", "%d", 12345);
	cr_expect_eq(t.size, 0);
	cr_expect_eq(t.len, strlen("x: 12345"));
}
