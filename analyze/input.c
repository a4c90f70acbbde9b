/*
 * Input dispatch: what kind of file is this? Decided from the content,
 * never from the name: pcap (four magic numbers, micro/nano, both byte
 * orders), pcapng (Section Header Block 0x0A0D0D0A), archives (MS-CAB
 * "MSCF", zip "PK\3\4", gzip, tar "ustar"), XML (Windows wfpdiag.xml or
 * netevents.xml; our own report too), wfpdiag event logs and key tables
 * (text). Archives are opened and each member is dispatched the same way:
 * key tables and event logs first, so captures are read with keys and
 * daemon events at hand.
 */
#include "analyze/analyzer_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>

#include "analyze/input.h"
#include "formats/cab_layout.h"
#include "formats/cab_reader.h"
#include "formats/evlog.h"
#include "formats/limits.h"

/* Members larger than this are not loaded (captures in archives are
 * read from memory). */
#define MEMBER_CAP ((size_t)2 * 1024 * 1024 * 1024)

enum input_kind
input_sniff(const uint8_t *b, size_t n)
{
	size_t i = 0;

	if (n >= 4) {
		uint32_t be = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 |
		    (uint32_t)b[2] << 8 | b[3];

		if (be == 0xa1b2c3d4u || be == 0xd4c3b2a1u ||
		    be == 0xa1b23c4du || be == 0x4d3cb2a1u)
			return INPUT_CAPTURE;
		if (be == 0x0a0d0d0au)
			return INPUT_CAPTURE;
		if (memcmp(b, "MSCF", 4) == 0 || memcmp(b, "PK\3\4", 4) == 0)
			return INPUT_ARCHIVE;
	}
	if (n >= 2 && b[0] == 0x1f && b[1] == 0x8b)
		return INPUT_ARCHIVE;
	if (n >= 262 && memcmp(b + 257, "ustar", 5) == 0)
		return INPUT_ARCHIVE;
	if (n >= 2 && ((b[0] == 0xff && b[1] == 0xfe) ||
	    (b[0] == 0xfe && b[1] == 0xff)))
		return INPUT_XML; /* UTF-16 BOM: only XML comes that way */
	if (n >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf)
		i = 3;
	while (i < n && (b[i] == ' ' || b[i] == '\t' || b[i] == '\r' ||
	    b[i] == '\n'))
		i++;
	if (i < n && b[i] == '<')
		return INPUT_XML;
	if (evlog_detect(b + i, n - i))
		return INPUT_EVENTS;
	return INPUT_TEXT;
}

static enum rc
sniff_path(const char *path, uint8_t *head, size_t *n, char *err,
    size_t errlen)
{
	FILE *f = fopen(path, "rb");

	if (f == NULL) {
		snprintf(err, errlen, "%s: cannot open: %m", path);
		return RC_IO;
	}
	*n = fread(head, 1, *n, f);
	fclose(f);
	return RC_OK;
}

/* capture-info.txt: "address: A" lines name the capture host's own
 * addresses, which events then call local (cab_layout.h). Parsed with a
 * line cursor; anything else in the file is context. */
static void
add_info_addresses(struct analyzer *an, const uint8_t *data, size_t len)
{
	static const char key[] = CAB_INFO_ADDRESS ": ";
	struct rd r = rd_init(data, len);

	while (rd_left(&r) > 0) {
		size_t n = 0;
		const uint8_t *line;
		char text[64];
		struct net_addr a;

		while (n < rd_left(&r) && rd_peek_u8(&r, n) != '\n')
			n++;
		line = rd_bytes(&r, n);
		if (rd_left(&r) > 0)
			rd_skip(&r, 1); /* the newline */
		if (line == NULL || n <= sizeof(key) - 1 ||
		    n - (sizeof(key) - 1) >= sizeof(text) ||
		    memcmp(line, key, sizeof(key) - 1) != 0)
			continue;
		memcpy(text, line + sizeof(key) - 1, n - (sizeof(key) - 1));
		text[n - (sizeof(key) - 1)] = '\0';
		memset(&a, 0, sizeof(a));
		if (inet_pton(AF_INET, text, a.bytes) == 1)
			a.family = 4;
		else if (inet_pton(AF_INET6, text, a.bytes) == 1)
			a.family = 6;
		else
			continue;
		diag_add_local(an->diag, &a);
	}
}

/* One archive member, in memory. */
static enum rc
add_member(struct analyzer *an, struct cab_reader *cr, const char *arch,
    const struct cab_member *m)
{
	char name[512];
	uint8_t *data = NULL;
	size_t len = 0;
	enum rc rc;

	snprintf(name, sizeof(name), "%s:%s", arch, m->name);
	rc = cab_reader_read_all(cr, MEMBER_CAP, &data, &len);
	if (rc != RC_OK) {
		snprintf(an->err, sizeof(an->err), "%s",
		    cab_reader_errmsg(cr));
		return rc;
	}
	if (strcmp(m->name, CAB_MEMBER_INFO) == 0)
		add_info_addresses(an, data, len);
	rc = analyzer_add_memory(an, name, data, len);
	/* Text members that are no key table (capture-info.txt, XFRM
	 * snapshots, logs) are context, not errors. */
	if (rc == RC_FORMAT && input_sniff(data, len) == INPUT_TEXT) {
		an->err[0] = '\0';
		rc = RC_OK;
	}
	free(data);
	return rc;
}

/*
 * Two passes over an archive: text members (keys, events, capture info)
 * first, then captures and XML. Each pass reopens the archive, which
 * libarchive reads as a stream.
 */
static enum rc
add_archive(struct analyzer *an, const char *label, const char *path,
    const uint8_t *data, size_t len)
{
	enum rc rc = RC_OK, first_err = RC_OK;
	bool has_capture = false;
	int pass;

	for (pass = 0; pass < 2 && first_err == RC_OK; pass++) {
		struct cab_reader *cr = cab_reader_new();
		struct cab_member m;

		if (cr == NULL)
			return RC_NOMEM;
		rc = path ? cab_reader_open_file(cr, path) :
		    cab_reader_open_mem(cr, data, len, label);
		while (rc == RC_OK && (rc = cab_reader_next(cr, &m)) ==
		    RC_OK) {
			bool early;

			/* Peek by name for the first pass: the kind is
			 * checked from content when the member is added. */
			early = strstr(m.name, ".pcap") == NULL &&
			    strstr(m.name, ".xml") == NULL &&
			    strstr(m.name, ".cab") == NULL;
			if (strstr(m.name, ".pcap") != NULL)
				has_capture = true;
			if (early != (pass == 0))
				continue;
			/* Our own report inside our cab is derived from the
			 * captures beside it: reading both would count every
			 * failure twice. Windows cabs carry no capture. */
			if (has_capture &&
			    strcmp(m.name, CAB_MEMBER_REPORT) == 0)
				continue;
			rc = add_member(an, cr, label, &m);
			if (rc != RC_OK && first_err == RC_OK)
				first_err = rc;
			rc = RC_OK; /* keep going: other members may be fine */
		}
		if (rc != RC_EOF && rc != RC_OK && first_err == RC_OK) {
			first_err = rc;
			snprintf(an->err, sizeof(an->err), "%s",
			    cab_reader_errmsg(cr));
		}
		cab_reader_free(cr);
	}
	return first_err;
}


static enum rc
dispatch(struct analyzer *an, enum input_kind k, const char *name,
    const char *path, const uint8_t *data, size_t len)
{
	switch (k) {
	case INPUT_CAPTURE:
		return path ? an_add_capture_path(an, path) :
		    an_add_capture_memory(an, name, data, len);
	case INPUT_ARCHIVE:
		return add_archive(an, name, path, data, len);
	case INPUT_XML:
		return an_add_winxml(an, name, path, data, len);
	case INPUT_EVENTS:
		return an_add_events(an, name, path, data, len);
	case INPUT_TEXT:
		return an_add_keys(an, name, path, data, len);
	}
	return RC_FORMAT;
}

enum rc
analyzer_add_path(struct analyzer *an, const char *path)
{
	uint8_t head[512];
	size_t n = sizeof(head);
	enum rc rc;

	an->err[0] = '\0';
	if (strcmp(path, "-") == 0) /* stdin: captures only */
		return an_add_capture_path(an, path);
	rc = sniff_path(path, head, &n, an->err, sizeof(an->err));
	if (rc != RC_OK)
		return rc;
	if (n == 0) {
		snprintf(an->err, sizeof(an->err), "%s: empty file", path);
		return RC_FORMAT;
	}
	return dispatch(an, input_sniff(head, n), path, path, NULL, 0);
}

enum rc
analyzer_add_memory(struct analyzer *an, const char *name,
    const uint8_t *data, size_t len)
{
	an->err[0] = '\0';
	if (len == 0) {
		snprintf(an->err, sizeof(an->err), "%s: empty", name);
		return RC_FORMAT;
	}
	return dispatch(an, input_sniff(data, len), name, NULL, data, len);
}
