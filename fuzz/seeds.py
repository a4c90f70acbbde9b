#!/usr/bin/env python3
"""Seeds for the harnesses that take a framed input rather than a whole
file (issue 7): fuzz/seeds.py OUTDIR CAPTURE... writes

  OUTDIR/fuzz_packet/f-*   link-type selector byte + one frame, for every
                           frame of every pcap/pcapng given (capped);
  OUTDIR/fuzz_ikev2/u-*    the UDP payload of every IKE frame (500/4500,
                           non-ESP marker stripped), IPv4 and IPv6;
  OUTDIR/fuzz_sk/s-*       suite selector byte + each SK/SKF message;
  OUTDIR/fuzz_events/e-*   selector 0 + each events.log / charon log found
                           under tests/ (daemon_events_parse input).

Only the standard library; no tshark needed. Stops quietly on any file it
cannot read: seeds are a help, not a test.
"""
import os
import struct
import sys

# fuzz_packet.c linktypes[]: index byte -> DLT
LINK_INDEX = {1: 0, 113: 1, 276: 2, 101: 3, 228: 4, 229: 5, 0: 6, 108: 7}
MAX_FRAMES = 400


def pcap_frames(data):
    if len(data) < 24:
        return
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        return
    link = struct.unpack(e + "I", data[20:24])[0] & 0xFFFF
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(e + "I", data[off + 8:off + 12])[0]
        off += 16
        if incl > len(data) - off:
            return
        yield link, data[off:off + incl]
        off += incl


def pcapng_frames(data):
    off, links, e = 0, [], "<"
    while off + 12 <= len(data):
        btype = struct.unpack(e + "I", data[off:off + 4])[0]
        if btype == 0x0A0D0D0A:
            bom = data[off + 8:off + 12]
            e = "<" if bom == b"\x4d\x3c\x2b\x1a" else ">"
            links = []
        blen = struct.unpack(e + "I", data[off + 4:off + 8])[0]
        if blen < 12 or blen > len(data) - off:
            return
        body = data[off + 8:off + blen - 4]
        if btype == 1 and len(body) >= 2:
            links.append(struct.unpack(e + "H", body[:2])[0])
        elif btype == 6 and len(body) >= 20:
            iface, _, _, cap = struct.unpack(e + "IIII", body[:16])
            if iface < len(links):
                yield links[iface], body[20:20 + cap]
        off += blen


def frames(path):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return []
    if data[:4] == b"\x0a\x0d\x0d\x0a":
        return list(pcapng_frames(data))
    return list(pcap_frames(data))


def ike_payload(link, frame):
    """UDP payload of an IKE frame on Ethernet/raw/SLL, else None."""
    off = {1: 14, 101: 0, 228: 0, 229: 0, 113: 16, 276: 20}.get(link)
    if off is None:
        return None
    if link == 1:
        while len(frame) >= off and frame[off - 2:off] in (b"\x81\x00",
                                                          b"\x88\xa8"):
            off += 4
    if len(frame) < off + 1:
        return None
    v = frame[off] >> 4
    if v == 4:
        ihl = (frame[off] & 15) * 4
        if len(frame) < off + ihl + 8 or frame[off + 9] != 17:
            return None
        udp = off + ihl
    elif v == 6:
        if len(frame) < off + 48 or frame[off + 6] != 17:
            return None
        udp = off + 40
    else:
        return None
    sport, dport = struct.unpack(">HH", frame[udp:udp + 4])
    pl = frame[udp + 8:]
    if 500 in (sport, dport):
        return pl
    if 4500 in (sport, dport) and pl[:4] == b"\0\0\0\0":
        return pl[4:]
    return None


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


def main():
    out = sys.argv[1]
    for h in ("fuzz_packet", "fuzz_ikev2", "fuzz_sk", "fuzz_events"):
        os.makedirs(os.path.join(out, h), exist_ok=True)
    n = 0
    for cap in sys.argv[2:]:
        base = os.path.basename(cap)
        for i, (link, fr) in enumerate(frames(cap)):
            if n >= MAX_FRAMES:
                break
            if link not in LINK_INDEX or len(fr) > 65000:
                continue
            write(os.path.join(out, "fuzz_packet", "f-%s-%d" % (base, i)),
                  bytes([LINK_INDEX[link]]) + fr)
            pl = ike_payload(link, fr)
            if pl:
                write(os.path.join(out, "fuzz_ikev2",
                                   "u-%s-%d" % (base, i)), pl)
            if pl and len(pl) > 28 and pl[16] in (46, 53):
                # fuzz_sk: suite selector byte + an encrypted message
                write(os.path.join(out, "fuzz_sk", "s-%s-%d" % (base, i)),
                      bytes([n % 8]) + pl)
            n += 1
    for root, _, files in os.walk("tests"):
        for name in files:
            if name.endswith(".log"):
                p = os.path.join(root, name)
                with open(p, "rb") as f:
                    data = f.read()
                write(os.path.join(out, "fuzz_events", "e-%s-%s" % (
                    os.path.basename(root), name)), b"\0" + data)


if __name__ == "__main__":
    main()
