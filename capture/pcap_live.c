/*
 * libpcap live capture and pcap output with a ring of files (see
 * pcap_live.h). pcap-tstamp(7) for nanosecond precision, pcap_dump(3PCAP).
 * Per packet: one pcap_dump() (buffered stdio); once a second a flush to
 * the kernel, so a killed capture loses at most that second (the session's
 * syncer thread then puts it on the disk without stalling this loop).
 */
#include "capture/pcap_live.h"

#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "formats/cab_layout.h"

#define PCAP_LIVE_IOBUF (64 * 1024)

struct pcap_live {
	pcap_t *p;
	pcap_dumper_t *d;
	char dir[4096];
	uint64_t file_max;      /* bytes per file, 0 unbounded */
	unsigned ring;
	unsigned seq;           /* number of the current ring file */
	uint64_t file_bytes;    /* bytes in the current file */
	bool failed;            /* a write failed: output closed */
	char *iobuf;            /* stdio buffer of the current file (owned) */
	struct pcap_live_stats st;
};

enum rc
pcap_live_open(struct pcap_live **out, const char *iface, const char *filter,
    int buffer_bytes, bool immediate, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct bpf_program prog;
	struct pcap_live *pl;
	int r;

	*out = NULL;
	if ((pl = calloc(1, sizeof(*pl))) == NULL)
		return RC_NOMEM;
	if ((pl->p = pcap_create(iface, ebuf)) == NULL) {
		snprintf(err, errlen, "%s: %s", iface, ebuf);
		free(pl);
		return RC_IO;
	}
	(void)pcap_set_snaplen(pl->p, PCAP_LIVE_SNAPLEN);
	if (immediate)
		(void)pcap_set_immediate_mode(pl->p, 1);
	else
		(void)pcap_set_timeout(pl->p, PCAP_LIVE_DELIVERY_MS);
	(void)pcap_set_buffer_size(pl->p, buffer_bytes > 0 ? buffer_bytes :
	    32 * 1024 * 1024);
	(void)pcap_set_tstamp_precision(pl->p, PCAP_TSTAMP_PRECISION_NANO);
	if ((r = pcap_activate(pl->p)) < 0) {
		snprintf(err, errlen, "%s: %s", iface, pcap_geterr(pl->p));
		pcap_close(pl->p);
		free(pl);
		return r == PCAP_ERROR_PERM_DENIED ? RC_PERM : RC_IO;
	}
	if (pcap_compile(pl->p, &prog, filter ? filter : PCAP_LIVE_FILTER, 1,
	    PCAP_NETMASK_UNKNOWN) != 0 || pcap_setfilter(pl->p, &prog) != 0) {
		snprintf(err, errlen, "filter: %s", pcap_geterr(pl->p));
		pcap_close(pl->p);
		free(pl);
		return RC_INVAL;
	}
	pcap_freecode(&prog);
	if (pcap_setnonblock(pl->p, 1, ebuf) != 0) {
		snprintf(err, errlen, "nonblock: %s", ebuf);
		pcap_close(pl->p);
		free(pl);
		return RC_IO;
	}
	*out = pl;
	return RC_OK;
}

int
pcap_live_fd(const struct pcap_live *pl)
{
	return pcap_get_selectable_fd(pl->p);
}

const char *
pcap_live_linktype(const struct pcap_live *pl)
{
	const char *n = pcap_datalink_val_to_name(pcap_datalink(pl->p));

	return n ? n : "unknown";
}

static enum rc
open_file(struct pcap_live *pl, char *err, size_t errlen)
{
	char path[4200];
	int fd;
	FILE *f;

	if (pl->file_max == 0)
		snprintf(path, sizeof(path), "%s/%s", pl->dir, CAB_MEMBER_PCAP);
	else
		snprintf(path, sizeof(path), "%s/" CAB_MEMBER_PCAP_RING_FMT,
		    pl->dir, pl->seq);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || (f = fdopen(fd, "wb")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (fd >= 0)
			(void)close(fd);
		return errno == EACCES ? RC_PERM : RC_IO;
	}
	/* 1 MiB stdio buffer: one write(2) per MiB instead of per 4 KiB,
	 * fewer stalls of the capture loop at high rates */
	if (pl->iobuf == NULL)
		pl->iobuf = malloc(PCAP_LIVE_IOBUF);
	if (pl->iobuf != NULL)
		(void)setvbuf(f, pl->iobuf, _IOFBF, PCAP_LIVE_IOBUF);
	if ((pl->d = pcap_dump_fopen(pl->p, f)) == NULL) {
		snprintf(err, errlen, "%s: %s", path, pcap_geterr(pl->p));
		(void)fclose(f);
		return RC_IO;
	}
	pl->file_bytes = 24;	/* pcap file header */
	pl->st.files++;
	/* the ring keeps `ring` files: drop the oldest */
	if (pl->file_max != 0 && pl->seq > pl->ring) {
		snprintf(path, sizeof(path), "%s/" CAB_MEMBER_PCAP_RING_FMT,
		    pl->dir, pl->seq - pl->ring);
		(void)unlink(path);
	}
	return RC_OK;
}

enum rc
pcap_live_output(struct pcap_live *pl, const char *dir, uint64_t max_size,
    unsigned ring, char *err, size_t errlen)
{
	if ((size_t)snprintf(pl->dir, sizeof(pl->dir), "%s", dir) >=
	    sizeof(pl->dir))
		return RC_LIMIT;
	pl->ring = ring < 2 ? 2 : ring;
	pl->file_max = max_size ? max_size / pl->ring : 0;
	if (max_size && pl->file_max < 4096)
		pl->file_max = 4096;
	pl->seq = 1;
	return open_file(pl, err, errlen);
}

static void
on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct pcap_live *pl = (struct pcap_live *)user;

	if (pl->d == NULL)
		return;
	if (pl->file_max && pl->file_bytes + 16 + h->caplen > pl->file_max &&
	    pl->file_bytes > 24) {
		char e[256];

		pcap_dump_close(pl->d);
		pl->d = NULL;
		pl->seq++;
		if (open_file(pl, e, sizeof(e)) != RC_OK) {
			pl->failed = true;
			return;
		}
	}
	pcap_dump((u_char *)pl->d, h, bytes);
	pl->file_bytes += 16 + (uint64_t)h->caplen;
	pl->st.written++;
	pl->st.bytes += h->caplen;
}

static enum rc
close_failed(struct pcap_live *pl, char *err, size_t errlen, int e)
{
	snprintf(err, errlen, "writing the capture: %s", strerror(e));
	if (pl->d != NULL) {
		/* close quietly: the file keeps what reached the disk */
		(void)fclose(pcap_dump_file(pl->d));
		pl->d = NULL;
	}
	pl->failed = true;
	return RC_IO;
}

enum rc
pcap_live_dispatch(struct pcap_live *pl, char *err, size_t errlen)
{
	int n;

	do {
		n = pcap_dispatch(pl->p, -1, on_packet, (u_char *)pl);
	} while (n > 0 && pl->d != NULL);
	if (n == PCAP_ERROR) {
		snprintf(err, errlen, "capture: %s", pcap_geterr(pl->p));
		return RC_IO;
	}
	if (pl->failed && pl->d == NULL)
		return close_failed(pl, err, errlen, ENOSPC);
	if (pl->d != NULL && ferror(pcap_dump_file(pl->d)))
		return close_failed(pl, err, errlen, errno ? errno : EIO);
	return RC_OK;
}

enum rc
pcap_live_flush(struct pcap_live *pl)
{
	if (pl->d == NULL)
		return pl->failed ? RC_IO : RC_OK;
	/* Into the kernel: what survives a killed capture. Getting it onto
	 * the disk is the syncer thread's job (capture/syncer.h): any
	 * waiting here stalls the loop and the packet ring overflows. */
	if (pcap_dump_flush(pl->d) != 0)
		return RC_IO;
	return RC_OK;
}

int
pcap_live_output_fd(const struct pcap_live *pl)
{
	return pl->d != NULL ? fileno(pcap_dump_file(pl->d)) : -1;
}

void
pcap_live_stats(struct pcap_live *pl, struct pcap_live_stats *st)
{
	struct pcap_stat ps;

	if (pcap_stats(pl->p, &ps) == 0) {
		pl->st.recv = ps.ps_recv;
		pl->st.drop = ps.ps_drop;
		pl->st.ifdrop = ps.ps_ifdrop;
	}
	*st = pl->st;
}

void
pcap_live_free(struct pcap_live *pl)
{
	if (pl == NULL)
		return;
	if (pl->d != NULL) {
		(void)pcap_dump_flush(pl->d);
		pcap_dump_close(pl->d);
	}
	pcap_close(pl->p);
	free(pl->iobuf);
	free(pl);
}

void
pcap_live_forget(struct pcap_live *pl)
{
	if (pl == NULL)
		return;
	pcap_close(pl->p);
	free(pl->iobuf);
	free(pl);
}
