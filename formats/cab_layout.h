/*
 * The member layout of a wfpdiag.cab written by `wfpdiag capture stop`:
 * the contract between capture/ (which writes the staging directory and
 * packages it) and analyze/ (which reads the members back). STYLE.md 2:
 * capture and analyze never include each other; both include this.
 *
 * All members sit at the top level of the cabinet (no folders in names).
 * Every member except CAB_MEMBER_REPORT is optional: a reader must treat a
 * missing member as "source absent" (capture-info.txt says which sources
 * were present and why one was absent).
 */
#ifndef WFPDIAG_FORMATS_CAB_LAYOUT_H
#define WFPDIAG_FORMATS_CAB_LAYOUT_H

/* The report, as Windows names it (wfpdiag-xml.md). */
#define CAB_MEMBER_REPORT "wfpdiag.xml"
/* Packets: one pcap file without --max-size ... */
#define CAB_MEMBER_PCAP "capture.pcap"
/* ... or a ring capture-1.pcap ... capture-N.pcap (N = --ring, oldest
 * dropped). The numbers only grow: capture-7.pcap is newer than
 * capture-6.pcap; after a wrap the lowest number present is the oldest.
 * printf format taking one unsigned. */
#define CAB_MEMBER_PCAP_RING_FMT "capture-%u.pcap"
#define CAB_MEMBER_PCAP_RING_PREFIX "capture-"
/* Keying events, formats/evlog.h text (one event per line). */
#define CAB_MEMBER_EVENTS "events.log"
/* XFRM SA and policy snapshots, text in the style of `ip xfrm state` and
 * `ip xfrm policy`, taken at start and at stop. Keys appear only when the
 * capture was started without --no-keys. */
#define CAB_MEMBER_XFRM_INITIAL "xfrm-initial.txt"
#define CAB_MEMBER_XFRM_FINAL "xfrm-final.txt"
/* Wireshark UAT key tables (absent with --no-keys or when no key was
 * seen): IKEv2 SA keys (those the analyzer verified by ICV at stop, from
 * CAB_MEMBER_DAEMON_LOG) and ESP SA keys (XFRM). */
#define CAB_MEMBER_IKE_KEYS "ikev2_decryption_table"
#define CAB_MEMBER_ESP_KEYS "esp_sa"
/* The IKE daemon's own log over the capture, when `capture start
 * --daemon-log PATH` named it (strongSwan's charon log; at ike/chd level
 * 4 it holds the derived keys, read as a key table). Absent with
 * --no-keys. */
#define CAB_MEMBER_DAEMON_LOG "charon.log"
/* key: value lines: host, kernel, interfaces, filter, start, stop,
 * packets captured/dropped, bytes, events, sources present/absent (with
 * reason), recovered yes/no, max-size policy. */
#define CAB_MEMBER_INFO "capture-info.txt"
/* The background capture's own log (warnings such as a full disk). */
#define CAB_MEMBER_CAPTURE_LOG "capture.log"

/* capture-info.txt keys the analyzer reads (source lines repeat:
 * "source: NAME present" / "source: NAME absent (REASON)"). */
#define CAB_INFO_SOURCE "source"
#define CAB_INFO_RECOVERED "recovered"
/* "address: A" lines: the capture host's addresses (not loopback); the
 * analyzer treats them as the local side of every event. */
#define CAB_INFO_ADDRESS "address"

#endif
