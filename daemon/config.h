/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * One transactional representation of a configuration change. Both the
 * userspace API parser (uapi.c, `set=1`) and the wg-quick file parser
 * (conffile.c) build a struct wg_config; the device applies it as a whole
 * or not at all. Nothing here touches the device.
 *
 * Also here: endpoints ("1.2.3.4:51820", "[fd00::1]:51820") and prefixes
 * ("10.0.0.0/24") parsed and printed exactly as `wg` prints them, and the
 * key encodings (hex for the UAPI, base64 for files).
 */
#ifndef WG_CONFIG_H
#define WG_CONFIG_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "crypto.h"
#include "keys.h"
#include "wire.h"

/* Room for "[ipv6%ifname]:65535" and the NUL. */
#define WG_ENDPOINT_STRLEN (INET6_ADDRSTRLEN + 16 + 8 + 1)
/* Room for "-ipv6/128" and the NUL. */
#define WG_PREFIX_STRLEN (INET6_ADDRSTRLEN + 6)
#define WG_KEY_BASE64_LEN WG_KEY_B64_LEN

/* A peer's UDP endpoint; the family is sa.sa_family (AF_UNSPEC: none). */
struct wg_endpoint {
	union {
		struct sockaddr sa;
		struct sockaddr_in in4;
		struct sockaddr_in6 in6;
	};
};

/* An address with a prefix length: interface addresses, allowed IPs. */
struct wg_prefix {
	int family;		/* AF_INET or AF_INET6 */
	uint8_t addr[16];	/* network byte order; 4 bytes used for v4 */
	uint8_t cidr;
};

/* One allowed-IP change of a peer: add (or, with remove, delete) a prefix. */
struct wg_aip_change {
	int family;
	uint8_t addr[16];	/* host bits already cleared */
	uint8_t cidr;
	bool remove;
};

/* wg_config_parse_aip() flags. */
enum {
	WG_AIP_BARE = 1 << 0,	/* "10.0.0.1" means /32, "fd00::1" /128 */
	WG_AIP_REMOVE = 1 << 1,	/* "-10.0.0.0/24" means remove it (UAPI) */
};

/*
 * A change to one peer. Peers of a config are applied in order; the same
 * public key may appear twice (the UAPI allows it) and is then changed twice.
 * With remove, every other field is parsed but must be ignored.
 */
struct wg_peer_change {
	uint8_t public_key[WG_KEY_LEN];
	bool remove;		/* delete the peer */
	bool update_only;	/* change it only if it already exists */
	bool has_preshared_key;
	uint8_t preshared_key[WG_KEY_LEN];	/* secret; all zero: none */
	bool has_endpoint;
	struct wg_endpoint endpoint;
	bool has_keepalive;
	uint16_t persistent_keepalive;	/* seconds, 0 = off */
	bool replace_allowed_ips;	/* drop the old ones first */
	unsigned int protocol_version;	/* 0 when not given, else 1 */
	struct wg_aip_change *aips;
	size_t n_aips, cap_aips;
};

/* A growable list of strings (DNS servers, hook commands). */
struct wg_strv {
	char **v;
	size_t n, cap;
};

/* Table = off | auto | NUMBER (wg-quick's routing table choice). */
enum wg_table_kind { WG_TABLE_AUTO, WG_TABLE_OFF, WG_TABLE_NUM };

/* The hooks, in the order wg-quick runs them. */
enum wg_hook { WG_HOOK_PRE_UP, WG_HOOK_POST_UP, WG_HOOK_PRE_DOWN,
	       WG_HOOK_POST_DOWN, WG_HOOK_COUNT };

/*
 * The [Interface] keys that only wg-quick acts on (and `wg-xdp up` as it
 * does): everything but Address and MTU, which live in struct wg_config.
 */
struct wg_quick {
	struct wg_strv dns;		/* DNS= addresses: nameservers */
	struct wg_strv dns_search;	/* DNS= other words: search domains */
	bool has_table;			/* a Table line was given */
	enum wg_table_kind table_kind;
	uint32_t table;			/* for WG_TABLE_NUM */
	struct wg_strv hooks[WG_HOOK_COUNT];	/* raw commands, %i unexpanded */
	bool save_config;
};

struct wg_config {
	bool has_private_key;
	uint8_t private_key[WG_KEY_LEN];	/* secret; all zero: remove */
	bool has_listen_port;
	uint16_t listen_port;			/* 0: pick one */
	bool has_fwmark;
	uint32_t fwmark;
	bool replace_peers;			/* remove every peer first */
	bool has_debug;				/* wg-xdp's wgxdp_debug key */
	bool debug;
	struct wg_peer_change *peers;
	size_t n_peers, cap_peers;

	/* Only from files (wg-quick keys). */
	struct wg_prefix *addrs;		/* Address= lines, in order */
	size_t n_addrs, cap_addrs;
	bool has_mtu;
	uint32_t mtu;
	struct wg_quick quick;
};

/* One peer in a `get` snapshot. */
struct wg_peer_info {
	uint8_t public_key[WG_KEY_LEN];
	uint8_t preshared_key[WG_KEY_LEN];	/* secret; all zero: none */
	struct wg_endpoint endpoint;		/* AF_UNSPEC: none */
	int64_t last_handshake_sec;		/* wall clock; 0: never */
	int64_t last_handshake_nsec;
	uint64_t rx_bytes, tx_bytes;
	uint16_t persistent_keepalive;
	struct wg_prefix *aips;
	size_t n_aips;
};

/* What `get=1` reports; filled by the device's get callback. */
struct wg_device_info {
	bool has_private_key;
	uint8_t private_key[WG_KEY_LEN];	/* secret */
	uint16_t listen_port;
	uint32_t fwmark;
	struct wg_peer_info *peers;
	size_t n_peers;
};

/* An empty change (changes nothing). */
void wg_config_init(struct wg_config *cfg);
/* Wipe every secret, free every array, leave cfg empty (as init). */
void wg_config_free(struct wg_config *cfg);
/* Append a peer change (zeroed but for its key); NULL when out of memory. */
struct wg_peer_change *wg_config_add_peer(struct wg_config *cfg,
					  const uint8_t pub[WG_KEY_LEN]);
/* Append an allowed-IP change to a peer; 0 or -ENOMEM. Amortised O(1). */
int wg_config_add_aip(struct wg_peer_change *peer,
		      const struct wg_aip_change *aip);
/* Append an interface address; 0 or -ENOMEM. */
int wg_config_add_addr(struct wg_config *cfg, const struct wg_prefix *addr);
/* Append a copy of s; 0 or -ENOMEM. */
int wg_strv_add(struct wg_strv *sv, const char *s);
void wg_strv_free(struct wg_strv *sv);

/*
 * The one decimal parser: digits only (no sign, space or prefix), at most
 * max. True and *out set, or false.
 */
bool wg_config_parse_u64(const char *s, uint64_t max, uint64_t *out);
/* A fwmark as wg takes it: "off" (0), decimal, or 0x/0X hex, 32 bits. */
bool wg_config_parse_fwmark(const char *s, uint32_t *out);
/* Table: "off", "auto", a number 1..2^32-1, or main/local/default. */
bool wg_config_parse_table(const char *s, enum wg_table_kind *kind,
			   uint32_t *table);
/*
 * Text of s fit to appear in an error message, or a placeholder: config
 * values may be keys, and no message may ever carry one. Only short words
 * that cannot be key material pass (see config.c).
 */
const char *wg_config_safe(const char *s);

/*
 * Numeric endpoint: "1.2.3.4:51820", "[fd00::1]:51820", "[fe80::1%eth0]:1".
 * 0 or -EINVAL (ep untouched on failure). Ports 0..65535 as wireguard-go.
 */
int wg_config_parse_endpoint(struct wg_endpoint *ep, const char *s);
/*
 * As parse_endpoint, but the host may also be a name resolved with
 * getaddrinfo (config files and the command line: this blocks). -EINVAL for
 * bad syntax, -EHOSTUNREACH when the name does not resolve. A temporary
 * failure is retried as wg does: $WG_ENDPOINT_RESOLUTION_RETRIES times
 * (default 15, "infinity" for ever), sleeping 1 s more each time up to 20.
 */
int wg_config_resolve_endpoint(struct wg_endpoint *ep, const char *s);
/* Print as `wg` does; returns the length, or -ENOSPC / -EAFNOSUPPORT. */
int wg_config_format_endpoint(const struct wg_endpoint *ep, char *buf,
			      size_t len);
/* The sockaddr length for ep's family (0 for none). */
socklen_t wg_config_endpoint_len(const struct wg_endpoint *ep);

/*
 * "10.0.0.0/24", "fd00::/64" (and per flags a bare address or a leading '-')
 * into an allowed-IP change with the host bits cleared. 0 or -EINVAL.
 */
int wg_config_parse_aip(struct wg_aip_change *aip, const char *s,
			unsigned int flags);
/* An interface address: prefix optional (/32, /128), host bits kept. */
int wg_config_parse_prefix(struct wg_prefix *p, const char *s);
/* "10.0.0.0/24", "-fd00::/64" (remove); returns length or -ENOSPC. */
int wg_config_format_aip(const struct wg_aip_change *aip, char *buf,
			 size_t len);
/* "10.0.0.1/24"; returns length or -ENOSPC. */
int wg_config_format_prefix(const struct wg_prefix *p, char *buf, size_t len);

/*
 * Key encodings, over keys.c, for (pointer, length) slices of a line;
 * decoding runs in constant time and wipes its temporaries.
 */
/* Exactly 64 hex digits (either case); 0 or -EINVAL (key then zeroed). */
int wg_config_key_from_hex(uint8_t key[WG_KEY_LEN], const char *s,
			   size_t len);
/* 64 lowercase hex digits and a NUL into out[65]. */
void wg_config_key_to_hex(char out[WG_KEY_HEX_LEN + 1],
			  const uint8_t key[WG_KEY_LEN]);
/* Exactly 44 base64 characters ending in '='; 0 or -EINVAL (key zeroed). */
int wg_config_key_from_base64(uint8_t key[WG_KEY_LEN], const char *s,
			      size_t len);
/* 44 base64 characters and a NUL into out[45]. */
void wg_config_key_to_base64(char out[WG_KEY_BASE64_LEN + 1],
			     const uint8_t key[WG_KEY_LEN]);

#endif /* WG_CONFIG_H */
