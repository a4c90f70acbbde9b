/*
 * Every cap on memory that grows with input, in one place (STYLE.md 6).
 * docs/limits.md explains each; the report counts what a cap discarded.
 */
#ifndef WFPDIAG_FORMATS_LIMITS_H
#define WFPDIAG_FORMATS_LIMITS_H

/* Largest link-layer frame we accept from a capture file. */
#define LIMIT_FRAME_BYTES (256u * 1024u)
/* IP reassembly: datagrams in flight, bytes held, seconds a partial
 * datagram may wait, fragments per datagram. */
#define LIMIT_FRAG_DATAGRAMS 1024u
#define LIMIT_FRAG_BYTES (16u * 1024u * 1024u)
#define LIMIT_FRAG_AGE_SEC 30u
#define LIMIT_FRAG_PIECES 128u
/* An IP datagram cannot exceed this (IPv6 jumbograms are not supported). */
#define LIMIT_IP_DATAGRAM 65535u
/* IPv6 extension headers walked before giving up. */
#define LIMIT_IPV6_EXT_HEADERS 16u
/* VLAN tags walked (802.1Q/802.1ad stacks). */
#define LIMIT_VLAN_TAGS 8u
/* Tunnels peeled in one frame (GRE, VXLAN, Geneve, GTP-U, IP in IP). */
#define LIMIT_TUNNEL_DEPTH 4u

/* IKE decoding: payloads per message, proposals per SA payload,
 * transforms per proposal, attributes per transform, SKF fragments. */
#define LIMIT_IKE_PAYLOADS 128u
#define LIMIT_IKE_PROPOSALS 64u
#define LIMIT_IKE_TRANSFORMS 64u
#define LIMIT_IKE_ATTRIBUTES 16u
#define LIMIT_IKE_TS 64u
#define LIMIT_IKE_CERTREQ_HASHES 64u
#define LIMIT_SKF_FRAGMENTS 64u
#define LIMIT_SKF_BYTES (256u * 1024u)

/* SA tables: live IKE and ESP SAs; seconds of silence after which an SA
 * is finalised and flushed (memory grows with SAs alive, not packets). */
#define LIMIT_IKE_SAS 8192u
#define LIMIT_ESP_SAS 262144u
#define LIMIT_SA_IDLE_SEC 600u
/* Exchanges remembered per IKE SA timeline, frames kept as evidence. */
#define LIMIT_SA_EXCHANGES 256u
#define LIMIT_EVIDENCE_FRAMES 16u
/* Failure events kept for the report (the frequency table keeps counting
 * past this). */
#define LIMIT_REPORT_EVENTS 100000u

/* Text inputs (key tables, daemon logs, policy files): longest line. */
#define LIMIT_TEXT_LINE (64u * 1024u)
#define LIMIT_KEYS 65536u
/* XML reader: element nesting depth and text node size. */
#define LIMIT_XML_DEPTH 64u
#define LIMIT_XML_TEXT (1024u * 1024u)
/* Archive members analysed in memory. */
#define LIMIT_ARCHIVE_MEMBERS 4096u
#define LIMIT_ARCHIVE_MEMBER_BYTES (4ull * 1024u * 1024u * 1024u)

/* Windows XML reader and report (formats/wfpxml.c, analyze/winxml_import.c,
 * analyze/report_xml.c): leaf fields per netEvent or errorFrequencyTable
 * record, bytes of text per record, remote peers and distinct error codes
 * tracked per import, error codes kept per peer. */
#define LIMIT_WFPXML_FIELDS 1024u
#define LIMIT_WFPXML_RECORD_BYTES (256u * 1024u)
#define LIMIT_WINXML_PEERS 65536u
#define LIMIT_WINXML_CODES 4096u
#define LIMIT_WINXML_PEER_CODES 8u

/* pcapng block reader (formats/pcapng.c, branch net): largest block read
 * into memory (packet and interface blocks; other blocks are skipped
 * without allocating) and interfaces per section. */
#define LIMIT_PCAPNG_BLOCK (LIMIT_FRAME_BYTES + 64u * 1024u)
#define LIMIT_PCAPNG_IFACES 4096u

/* cab_reader (formats/cab_reader.c): bytes of a cabinet's header region
 * (CFHEADER + reserve + CFFOLDERs + CFFILEs) read into memory to check it:
 * 36 + 4 + 60000 + 65535 folders * (8 + 255) + 65535 files * (16 + 256). */
#define LIMIT_CAB_HEADER_BYTES (36u * 1024u * 1024u)

/* crypto (analyze/sk_crypto, keystore; formats/keytab): SKF messages
 * reassembled at once, unassigned key sets tried per message, bytes in
 * one key (hex text), rows in one key table file. */
#define LIMIT_SKF_MESSAGES 64u
#define LIMIT_UNASSIGNED_TRIES 64u
#define LIMIT_KEY_BYTES 512u
#define LIMIT_KEYTAB_ROWS 65536u

/* capture (issue 5): key=value fields per keying-event line; vici
 * message nesting and packet size; XFRM netlink message size. */
#define LIMIT_EVLOG_FIELDS 48u
#define LIMIT_VICI_DEPTH 16u
#define LIMIT_VICI_PACKET (512u * 1024u)
#define LIMIT_XFRM_TEXT (16u * 1024u * 1024u)
/* capture: bytes of the IKE daemon's log copied into the cab (the last
 * ones are kept when it grew more during the capture). */
#define LIMIT_DAEMON_LOG (64u * 1024u * 1024u)

/* Policy files (analyze/policy.c, branch policy): bytes read, algorithm
 * alternatives per key, address prefixes per side (LocalPrefixes,
 * RemotePrefixes). */
#define LIMIT_POLICY_BYTES (1024u * 1024u)
#define LIMIT_POLICY_ALTS 8u
#define LIMIT_POLICY_PREFIXES 16u

#endif
