#!/usr/bin/env python3
# What a NIC says about AF_XDP zero-copy, for test_zerocopy.sh:
#
#   xsk_probe.py IFNAME            its XDP features (netlink "netdev" family)
#   xsk_probe.py IFNAME QUEUE...   and a zero-copy bind of a throw-away AF_XDP
#                                  socket on each QUEUE: "ok" or the errno
#
# The features come from the kernel's NETDEV_CMD_DEV_GET (Linux 6.3 and
# later); "xsk-zerocopy" there is what the driver advertises, the bind is
# what it accepts. Only the standard library: the guests have no pyroute2.
import ctypes
import errno
import mmap
import os
import socket
import struct
import sys

NETLINK_GENERIC = 16
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
NETDEV_CMD_DEV_GET = 1
NETDEV_A_DEV_IFINDEX = 1
NETDEV_A_DEV_XDP_FEATURES = 3
NETDEV_A_DEV_XDP_ZC_MAX_SEGS = 4
NLM_F_REQUEST = 1
NLMSG_ERROR = 2

# enum netdev_xdp_act, in bit order.
XDP_ACT = ["basic", "redirect", "ndo-xmit", "xsk-zerocopy", "hw-offload",
           "rx-sg", "ndo-xmit-sg"]

AF_XDP = 44
SOL_XDP = 283
XDP_RX_RING = 2
XDP_UMEM_REG = 4
XDP_UMEM_FILL_RING = 5
XDP_UMEM_COMPLETION_RING = 6
XDP_OPTIONS = 8
XDP_ZEROCOPY = 1 << 2
XDP_USE_NEED_WAKEUP = 1 << 3
FRAME = 4096
FRAMES = 64


def attrs(buf):
    out = {}
    while len(buf) >= 4:
        alen, atype = struct.unpack_from("=HH", buf)
        if alen < 4:
            break
        out[atype & 0x3fff] = buf[4:alen]
        buf = buf[(alen + 3) & ~3:]
    return out


def attr(atype, payload):
    a = struct.pack("=HH", 4 + len(payload), atype) + payload
    return a + b"\0" * (-len(a) % 4)


def genl(sock, family, cmd, payload, seq):
    msg = struct.pack("=BBH", cmd, 1, 0) + payload
    sock.send(struct.pack("=IHHII", 16 + len(msg), family, NLM_F_REQUEST,
                          seq, 0) + msg)
    reply = sock.recv(65536)
    _, mtype = struct.unpack_from("=IH", reply)
    if mtype == NLMSG_ERROR:
        err = -struct.unpack_from("=i", reply, 16)[0]
        raise OSError(err, os.strerror(err))
    return attrs(reply[20:])


def features(ifname):
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
    try:
        fam = genl(sock, GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                   attr(CTRL_ATTR_FAMILY_NAME, b"netdev\0"), 1)
        fid = struct.unpack("=H", fam[CTRL_ATTR_FAMILY_ID][:2])[0]
        dev = genl(sock, fid, NETDEV_CMD_DEV_GET,
                   attr(NETDEV_A_DEV_IFINDEX,
                        struct.pack("=I", socket.if_nametoindex(ifname))), 2)
    finally:
        sock.close()
    bits = struct.unpack("=Q", dev[NETDEV_A_DEV_XDP_FEATURES][:8])[0]
    names = [n for i, n in enumerate(XDP_ACT) if bits & (1 << i)]
    segs = dev.get(NETDEV_A_DEV_XDP_ZC_MAX_SEGS)
    text = "%s (0x%x)" % (",".join(names) or "none", bits)
    if segs:
        text += " zc-max-segs %d" % struct.unpack("=I", segs[:4])
    if "xsk-zerocopy" not in names:
        # The kernel refuses a zero-copy bind without it (EOPNOTSUPP)
        # before it asks the driver.
        text += ", no xsk-zerocopy: the driver offers no AF_XDP zero-copy"
    return text


def bind_zerocopy(ifname, queue):
    libc = ctypes.CDLL(None, use_errno=True)
    area = mmap.mmap(-1, FRAME * FRAMES)
    sock = socket.socket(AF_XDP, socket.SOCK_RAW, 0)
    try:
        addr = ctypes.addressof(ctypes.c_char.from_buffer(area))
        # struct xdp_umem_reg: addr, len, chunk_size, headroom, flags,
        # tx_metadata_len
        sock.setsockopt(SOL_XDP, XDP_UMEM_REG,
                        struct.pack("=QQIIII", addr, FRAME * FRAMES, FRAME,
                                    0, 0, 0))
        for opt in (XDP_UMEM_FILL_RING, XDP_UMEM_COMPLETION_RING,
                    XDP_RX_RING):
            sock.setsockopt(SOL_XDP, opt, struct.pack("=I", FRAMES))
        # struct sockaddr_xdp: family, flags, ifindex, queue_id, shared fd
        sxdp = struct.pack("=HHIII", AF_XDP,
                           XDP_ZEROCOPY | XDP_USE_NEED_WAKEUP,
                           socket.if_nametoindex(ifname), queue, 0)
        buf = ctypes.create_string_buffer(sxdp, len(sxdp))
        if libc.bind(sock.fileno(), buf, len(sxdp)) != 0:
            e = ctypes.get_errno()
            name = ("EOPNOTSUPP" if e == errno.EOPNOTSUPP else
                    errno.errorcode.get(e, str(e)))
            return "refused: %s (%s)" % (name, os.strerror(e))
        opts = struct.unpack("=I", sock.getsockopt(SOL_XDP, XDP_OPTIONS, 4))
        return "ok" if opts[0] & 1 else "bound, but not in zero-copy mode"
    finally:
        sock.close()
        area.close()


def main():
    ifname = sys.argv[1]
    try:
        print("%s: xdp-features %s" % (ifname, features(ifname)))
    except (OSError, KeyError) as e:
        print("%s: xdp-features unknown (netlink: %s)" % (ifname, e))
    for queue in map(int, sys.argv[2:]):
        print("%s: zero-copy bind on queue %d: %s" %
              (ifname, queue, bind_zerocopy(ifname, queue)))


main()
