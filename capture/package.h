/*
 * Packaging a staging directory into wfpdiag.cab (formats/cab_writer.h):
 * the members of formats/cab_layout.h that are present, in a fixed order
 * (report first, then capture-info, events, snapshots, key tables, the
 * pcap files oldest first, the capture's own log). A capture larger than
 * one cabinet continues in OUT-2.cab, OUT-3.cab ... (cab_series); every
 * cabinet is written atomically, mode 0600, and handed to the invoking
 * user.
 */
#ifndef WFPDIAG_CAPTURE_PACKAGE_H
#define WFPDIAG_CAPTURE_PACKAGE_H

#include <stddef.h>
#include <sys/types.h>

#include "formats/rc.h"

#define PACKAGE_MAX_MEMBERS 256u

struct package_list {
	size_t n;
	char name[PACKAGE_MAX_MEMBERS][64];
};

/* The members present in dir, in cabinet order. Ring pcaps are sorted by
 * number. RC_IO when dir cannot be read. */
enum rc package_list(const char *dir, struct package_list *out) MUST_CHECK;

/*
 * Writes the cabinet(s) at out from dir. report, when not NULL and
 * present, is the file stored as wfpdiag.xml (the report is built beside
 * the cab, so a staging directory on a full disk still gets one); else
 * dir's own wfpdiag.xml is used if any. *ncabs gets the number of
 * cabinets (OUT.cab plus OUT-2.cab ...). When the process is root, the
 * files are chowned to uid/gid. err names the member and the reason.
 */
enum rc package_cab(const char *dir, const char *report, const char *out,
    uid_t uid, gid_t gid, unsigned *ncabs, char *err, size_t errlen)
    MUST_CHECK;

#endif
