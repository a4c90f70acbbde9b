/*
 * The report model: what the analyzer hands to the report writers
 * (report_xml.c, report_text.c). Plain values; strings are fixed-size
 * arrays so events can be spooled and copied without ownership games.
 *
 * A fail_event is one Windows-style netEvent (../shared/reference/
 * wfpdiag-xml.md, ikeext-enums.md): enums are stored as the Windows
 * numeric values (IPSEC_FAILURE_*, IKEEXT_*), rendered by name from
 * analyze/ikeext.def.
 */
#ifndef WFPDIAG_ANALYZE_REPORT_H
#define WFPDIAG_ANALYZE_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "formats/limits.h"
#include "formats/netdecode.h"

/* FWPM_NET_EVENT_TYPE values used by our events. */
enum event_type {
	EVENT_MM_FAILURE = 0,   /* IKE SA (IKE_SA_INIT / IKE_AUTH) */
	EVENT_QM_FAILURE = 1,   /* CHILD_SA (IKE_AUTH child, CREATE_CHILD_SA) */
	EVENT_EM_FAILURE = 2,   /* AuthIP extended mode (Windows input only) */
	EVENT_KERNEL_DROP = 4,  /* ESP data path (replay, bad SPI, ICV) */
};

/* Where an event came from (several when merged). Bit set. */
enum event_source {
	EVENT_SRC_WIRE = 1u << 0,    /* decoded from packets */
	EVENT_SRC_DAEMON = 1u << 1,  /* IKE daemon event (strongSwan ...) */
	EVENT_SRC_KERNEL = 1u << 2,  /* XFRM netlink event */
	EVENT_SRC_WINDOWS = 1u << 3, /* read from a Windows wfpdiag.xml */
};

struct fail_event {
	int64_t ts_sec;                 /* UTC */
	uint32_t ts_nsec;
	enum event_type type;
	unsigned sources;               /* enum event_source bits */
	uint8_t ip_version;             /* 4 or 6; 0 unknown */
	uint8_t ip_protocol;            /* 17 (IKE), 50 (ESP) or 0 */
	struct net_addr local, remote;  /* local = capture host when known,
	                                   else the IKE initiator */
	uint16_t local_port, remote_port;
	uint32_t win_error;             /* Win32 code, e.g. 13801 */
	uint32_t ntstatus;              /* kernel drops: STATUS_IPSEC_* */
	uint8_t failure_point;          /* IPSEC_FAILURE_NONE/ME/PEER */
	uint8_t keying_module;          /* IKEEXT_KEY_MODULE_* */
	uint8_t state;                  /* IKEEXT_MM_SA_STATE_* or _QM_ */
	uint8_t sa_role;                /* IKEEXT_SA_ROLE_* of local side */
	int16_t auth_method;            /* IKEEXT_AUTHENTICATION_METHOD_TYPE,
	                                   -1 unknown */
	bool benign;                    /* FLAG_BENIGN (e.g. cookie sent) */
	bool has_cert_hash;
	uint8_t end_cert_hash[20];      /* SHA-1 thumbprint of end cert */
	uint64_t mm_id;                 /* IKE SA serial in this report */
	uint8_t spi_i[8], spi_r[8];     /* IKE SPIs (network order) */
	uint32_t esp_spi;               /* kernel drops / child SAs */
	uint8_t direction;              /* FWP_DIRECTION_* (kernel drops) */
	uint8_t exchange;               /* IKEv2 exchange type of failure */
	uint16_t notify;                /* notify type that reported it */
	uint32_t retransmissions;       /* of the failed request */
	uint32_t count;                 /* occurrences folded in (>= 1) */
	uint32_t n_frames;
	uint64_t frames[LIMIT_EVIDENCE_FRAMES]; /* evidence frame numbers */
	bool inferred;                  /* not seen directly (encrypted) */
	char basis[192];                /* why, when inferred */
	char reason[192];               /* one-line explanation */
	char detail[512];               /* offers that failed to match ... */
	char local_id[128];             /* identities when known */
	char remote_id[128];
	char daemon_evidence[256];      /* daemon's words, when merged */
	char input[128];                /* input file it came from */
	/* Added for report_xml (QM/EM failures; at the end so existing
	 * initialisers keep working). traffic_type follows auth_method's
	 * convention: -1 unknown. */
	int8_t traffic_type;            /* IPSEC_TRAFFIC_TYPE_*, -1 unknown */
	char local_ts[96];              /* tunnel QM selectors as text:  */
	char remote_ts[96];             /* "10.1.0.0/16" or "a-b", "" unknown */
};

/* One row of the errorFrequencyTable. */
struct freq_item {
	uint32_t win_error;
	uint64_t frequency;
};

/* One input file as the header lists it. */
struct report_input {
	char path[256];
	char format[16];                /* pcap, pcapng, cab, wfpdiag.xml ... */
	uint64_t packets;
	uint64_t bytes;
	bool error;                     /* analysis stopped early */
	char errmsg[256];               /* file, place and reason */
};

struct report_header {
	const char *tool_version;
	const char *host;               /* where the analysis ran */
	int64_t first_ts_sec, last_ts_sec; /* capture time range; 0 unknown */
	uint32_t first_ts_nsec, last_ts_nsec;
	size_t n_inputs;
	const struct report_input *inputs;
	/* Packet counts over all inputs. */
	uint64_t frames, ike_messages, ikev1_messages, esp_packets,
	    nat_keepalives, skipped, truncated, malformed;
	uint64_t ike_sas, esp_sas, events, events_dropped;
	/* Named counters (skip reasons, cap effects ...): name/value pairs,
	 * rendered as <counter name="...">N</counter>. */
	size_t n_counters;
	const char *const *counter_names;
	const uint64_t *counter_values;
	/* Keying-event sources and whether each was present. */
	size_t n_sources;
	const char *const *source_names;
	const char *const *source_status;
};

#endif
