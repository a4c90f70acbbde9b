/*
 * Background durability for the capture files. Once a second the capture
 * loop hands the syncer the files it wrote to (after flushing stdio into
 * the kernel); a thread of its own fdatasync()s them, so what a reboot can
 * lose stays about a second while the loop itself never waits for the
 * disk. Waiting inline, even only to start writeback
 * (sync_file_range(SYNC_FILE_RANGE_WRITE)), blocks while the device queue
 * is full, and at 100 kpps that stall overflowed the kernel's packet ring
 * (1.8% of packets dropped where tcpdump dropped none; BENCHMARKS.md,
 * "Capture").
 *
 * A request is coalesced with one still pending for the same slot: the
 * syncer always works on the newest. File descriptors are duplicated on
 * request, so the caller may close or rotate its file at any time.
 */
#ifndef WFPDIAG_CAPTURE_SYNCER_H
#define WFPDIAG_CAPTURE_SYNCER_H

#include "formats/rc.h"

enum syncer_slot {
	SYNCER_PACKETS,  /* the current packet file */
	SYNCER_EVENTS,   /* events.log */
	SYNCER__SLOTS
};

struct syncer;

/* Starts the thread. NOMEM, or IO when no thread can be made. */
enum rc syncer_start(struct syncer **out) MUST_CHECK;
/* Queues fdatasync of fd (ignored when fd < 0 or the dup fails). */
void syncer_request(struct syncer *s, enum syncer_slot slot, int fd);
/* Completed fdatasync calls and failures so far (for status). */
void syncer_counts(struct syncer *s, unsigned long *done,
    unsigned long *failed);
/* Runs what is still pending, stops and joins the thread; NULL no-op. */
void syncer_stop(struct syncer *s);

#endif
