/*
 * Expected IPsec/IKE policy (`wfpdiag analyze --policy FILE`) and the
 * checks of observed negotiations against it. The file is written the
 * way gateway admins write an Azure VPN Gateway custom IPsec/IKE policy
 * (portal fields, New-AzIpsecPolicy parameters; the vocabulary and rules
 * are those of /work/shared/seeds/004_66c0dc87f5fc9c98.txt): one
 * `key = value` per line, docs/policy.md has every key.
 *
 * The checks read one finalised IKE SA (analyze/ike_sa.h) or one CHILD_SA
 * negotiation handed in by the analyzer (proposals and traffic selectors
 * are only visible once decrypted) and emit findings through a callback,
 * worded in the admin's vocabulary ("initiator offered AES128/SHA1/
 * DHGroup2; policy requires AES256/SHA384/DHGroup24"). Without a policy,
 * policy_explain_no_proposal() explains NO_PROPOSAL_CHOSEN from the
 * offers on the wire alone.
 *
 * Nothing here knows about reports or XML; the analyzer places the
 * findings. All checks are pure functions of their arguments.
 */
#ifndef WFPDIAG_ANALYZE_POLICY_H
#define WFPDIAG_ANALYZE_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analyze/ike_sa.h"
#include "analyze/ikev2_proposal.h"
#include "formats/limits.h"

/* A parsed, validated policy (opaque: its values satisfy the seed's
 * rules once policy_parse() returned it). */
struct policy;

/* Where a finding departs from the policy. */
enum policy_area {
	POLICY_AREA_IKE_PROPOSAL,	/* IKE SA (main mode) algorithms */
	POLICY_AREA_IPSEC_PROPOSAL,	/* CHILD_SA (quick mode) algorithms */
	POLICY_AREA_LIFETIME,		/* rekey spacing vs SA lifetimes */
	POLICY_AREA_TRAFFIC_SELECTORS,	/* TSi/TSr vs the prefixes */
	POLICY_AREA_DPD,		/* liveness checks vs DPD timeout */
	POLICY_AREA_POLICY_FILE,	/* the policy itself */
	POLICY_AREA__COUNT
};

enum policy_severity {
	POLICY_MISMATCH,	/* the negotiation contradicts the policy */
	POLICY_WARNING,		/* likely trouble, not a contradiction */
	POLICY_INFO,		/* what was seen; fits, or need not match */
	POLICY_SEVERITY__COUNT
};

struct policy_finding {
	uint64_t ike_serial;		/* struct ike_sa.serial, 0 none */
	enum policy_area area;
	enum policy_severity severity;
	char text[384];			/* one line, admin wording */
};

/* Called once per finding; f is valid only during the call. */
typedef void (*policy_finding_fn)(const struct policy_finding *f,
    void *ctx);

/* "IKE_PROPOSAL", "TRAFFIC_SELECTORS" ...; never NULL ("UNKNOWN"). */
const char *policy_area_name(enum policy_area area);
/* "MISMATCH", "WARNING", "INFO"; never NULL ("UNKNOWN"). */
const char *policy_severity_name(enum policy_severity severity);

/*
 * Parses a policy from len bytes (need not be NUL-terminated); name is
 * the file name used in messages. On success returns a policy the caller
 * frees with policy_free() and leaves err "". On failure returns NULL and
 * writes every problem found into err, one per line, as
 * "name:line:column: message" (err may be NULL when errlen is 0); out of
 * memory gives NULL with "name: out of memory".
 */
struct policy *policy_parse(const uint8_t *bytes, size_t len,
    const char *name, char *err, size_t errlen);
/*
 * Reads the file at path (at most LIMIT_POLICY_BYTES) and parses it as
 * policy_parse() does, with path as the name. I/O errors come back as
 * NULL with "path: reason" in err.
 */
struct policy *policy_load(const char *path, char *err, size_t errlen);
/* Releases p; NULL is a no-op. */
void policy_free(struct policy *p);

/*
 * The policy printed back in its own file format, every key on its line,
 * defaults as comments ("# DpdTimeoutSeconds = 45  (default)"), so
 * parsing the text gives the same policy and the same text.
 * Returns the length the full text needs (snprintf semantics).
 */
size_t policy_text(const struct policy *p, char *dst, size_t size);
/*
 * Admin forms of the two proposals: IKE "AES256/SHA384/DHGroup24",
 * IPsec "GCMAES256/GCMAES256/None" (alternatives joined by ","); "" when
 * the policy sets no algorithms (Azure default policy). snprintf
 * semantics.
 */
size_t policy_ike_text(const struct policy *p, char *dst, size_t size);
size_t policy_ipsec_text(const struct policy *p, char *dst, size_t size);

/* Plain values of a policy, defaults filled in (for reports and tests). */
struct policy_values {
	bool has_algorithms;		/* the six algorithm keys were set */
	uint32_t sa_lifetime_s;		/* SALifeTimeSeconds */
	uint32_t sa_lifetime_kb;	/* SADataSizeKilobytes */
	uint32_t ike_lifetime_s;	/* IkeLifeTimeSeconds */
	uint32_t dpd_timeout_s;		/* DpdTimeoutSeconds */
	bool policy_based_ts;		/* UsePolicyBasedTrafficSelectors */
	size_t n_local, n_remote;	/* LocalPrefixes, RemotePrefixes */
};
void policy_get_values(const struct policy *p, struct policy_values *out);

/*
 * Checks one finalised IKE SA against p and calls cb for each finding
 * (ike_serial = sa->serial): the initiator's IKE proposals and the
 * responder's choice (IKE_PROPOSAL), the KE payload's group, the spacing
 * of CREATE_CHILD_SA exchanges against SALifeTimeSeconds and
 * IkeLifeTimeSeconds (LIFETIME) and of liveness checks against
 * DpdTimeoutSeconds (DPD). A negotiation that fits gets one INFO saying
 * what each side offered. Nothing happens when p, sa or cb is NULL.
 */
void policy_check_ike_sa(const struct policy *p, const struct ike_sa *sa,
    policy_finding_fn cb, void *ctx);

/* One traffic selector (RFC 7296 3.13.1) as a plain value. */
struct policy_ts_range {
	uint8_t family;			/* 4 or 6; others are skipped */
	uint8_t ip_proto;		/* IP protocol; 0 = any */
	uint16_t port_lo, port_hi;	/* host order; 0-65535 = any */
	uint8_t start[16], end[16];	/* network order; IPv4: first 4 */
};

/*
 * One CHILD_SA negotiation as the analyzer saw it after decryption. Any
 * part may be empty: NULL/0 proposals or TS lists are not checked.
 * Arrays are borrowed for the duration of the call.
 */
struct policy_child {
	uint8_t exchange;		/* IKE_AUTH or CREATE_CHILD_SA */
	const struct ikev2_proposal *offers;	/* initiator's SA payload */
	size_t n_offers;
	const struct ikev2_proposal *chosen;	/* responder's; NULL none */
	const struct policy_ts_range *tsi;	/* TSi (responder's when
						   answered, else offered) */
	size_t n_tsi;
	const struct policy_ts_range *tsr;
	size_t n_tsr;
};

/*
 * Which (local prefix, remote prefix) combinations the CHILD_SAs of one
 * IKE SA covered so far; a plain value, zero it with
 * policy_ts_cover_init().
 */
struct policy_ts_cover {
	uint64_t bits[(LIMIT_POLICY_PREFIXES * LIMIT_POLICY_PREFIXES + 63u) /
	    64u];
	uint32_t children;		/* negotiations folded in */
};
void policy_ts_cover_init(struct policy_ts_cover *cover);

/*
 * Checks one CHILD_SA negotiation: the ESP proposals against IpsecEncryption/
 * IpsecIntegrity/PfsGroup (PFS only for CREATE_CHILD_SA: the IKE_AUTH
 * child takes its keys from the IKE SA, RFC 7296 1.2), GCMAES paired with
 * another integrity, and the traffic selectors against the prefixes and
 * UsePolicyBasedTrafficSelectors. Missing prefix combinations (the seed:
 * every local prefix with every remote prefix) are reported here when
 * cover is NULL (this child is the whole picture); otherwise the
 * combinations this child covers are added to cover and
 * policy_check_ts_cover() reports what is still missing once all
 * children of the IKE SA were seen.
 */
void policy_check_child(const struct policy *p, uint64_t ike_serial,
    const struct policy_child *child, struct policy_ts_cover *cover,
    policy_finding_fn cb, void *ctx);
/* Reports the combinations cover lacks (nothing when it saw no child). */
void policy_check_ts_cover(const struct policy *p, uint64_t ike_serial,
    const struct policy_ts_cover *cover, policy_finding_fn cb, void *ctx);

/*
 * Findings about the policy itself (ike_serial 0, POLICY_FILE): a DPD
 * timeout outside the seed's recommended 30..45 s, an IkeLifeTimeSeconds
 * other than Azure's fixed 28,800 s, policy-based traffic selectors
 * without both prefix lists. Call once after loading.
 */
void policy_check_file(const struct policy *p, policy_finding_fn cb,
    void *ctx);

/*
 * Without a policy: why the responder answered NO_PROPOSAL_CHOSEN, from
 * the wire. Names what the initiator offered (admin and IANA form), which
 * exchange was refused, and, when known_accept (nullable) is what this
 * responder accepted from the same initiator elsewhere in the capture,
 * what differs, transform type by transform type. One line, no '\n'.
 * Returns the length the full text needs (snprintf semantics).
 */
size_t policy_explain_no_proposal(const struct ike_sa *sa,
    const struct ikev2_proposal *known_accept, char *dst, size_t size);

#endif
