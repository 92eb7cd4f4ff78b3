// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Loader and map API for the XDP programs. The only daemon file that
 * includes the generated skeleton.
 *
 * Attachment goes through bpf_link (BPF_LINK_CREATE) rather than the
 * netlink XDP API: a link belongs to its file descriptor, so when the daemon
 * exits or is killed the kernel detaches the program and traffic flows to
 * the stack again instead of into a dead AF_XDP socket. libbpf 1.1's
 * bpf_program__attach_xdp() cannot ask for a mode, so the link is created
 * with bpf_link_create() and the fd kept here.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <endian.h>
#include <linux/if_link.h>
#include <linux/magic.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "xdp.h"

/*
 * The skeleton's own struct is named after the object (wg_xdp); rename it
 * while including so that struct wg_xdp stays our opaque handle.
 */
#define wg_xdp wg_xdp_skel
#include "wg_xdp.skel.h"
#undef wg_xdp

_Static_assert(WG_XDP_AF_INET == AF_INET, "AF_INET");
_Static_assert(WG_XDP_AF_INET6 == AF_INET6, "AF_INET6");

#define BPFFS "/sys/fs/bpf"

struct wg_xdp {
	struct wg_xdp_skel *skel;
	int link_fd[2]; /* [0] NIC, [1] LAN; -1 when not attached */
	enum wg_xdp_mode mode[2];
	char pin_dir[64]; /* empty when nothing is pinned */
};

/* libbpf's own messages, into our log: warnings and errors only. */
static int libbpf_log(enum libbpf_print_level level, const char *fmt,
		      va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	wg_vlog(level == LIBBPF_WARN ? WG_LOG_WARN : WG_LOG_INFO, fmt, ap);
	return 0;
}

static bool is_bpffs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == BPF_FS_MAGIC;
}

/* `ip netns exec` remounts /sys without bpffs: put one back. */
static int ensure_bpffs(void)
{
	if (is_bpffs(BPFFS))
		return 0;
	if (mount("bpf", BPFFS, "bpf", 0, "mode=0700") < 0)
		return -errno;
	return 0;
}

/* Removes dir and the files in it (a stale pin directory). */
static int remove_dir(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int err = 0;

	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (unlinkat(dirfd(d), de->d_name, 0) < 0 && !err)
			err = -errno;
	}
	closedir(d);
	if (rmdir(dir) < 0 && !err)
		err = -errno;
	return err;
}

static void unpin(struct wg_xdp *x)
{
	struct bpf_map *map;

	if (!x->pin_dir[0])
		return;
	bpf_object__for_each_map(map, x->skel->obj) {
		if (bpf_map__is_pinned(map))
			bpf_map__unpin(map, NULL);
	}
	if (rmdir(x->pin_dir) < 0 && errno != ENOENT)
		log_warn("cannot remove %s: %s", x->pin_dir, strerror(errno));
	rmdir(WG_XDP_PIN_ROOT); /* fails while other interfaces use it */
	x->pin_dir[0] = '\0';
}

static int pin(struct wg_xdp *x, const char *ifname)
{
	char path[PATH_MAX];
	struct bpf_map *map;
	int err;

	if (!ifname[0] || strlen(ifname) >= IFNAMSIZ || strchr(ifname, '/') ||
	    !strcmp(ifname, ".") || !strcmp(ifname, ".."))
		return -EINVAL;
	err = ensure_bpffs();
	if (err)
		return err;
	if (mkdir(WG_XDP_PIN_ROOT, 0700) < 0 && errno != EEXIST)
		return -errno;
	snprintf(x->pin_dir, sizeof(x->pin_dir), "%s/%s", WG_XDP_PIN_ROOT,
		 ifname);
	if (access(x->pin_dir, F_OK) == 0) {
		log_warn("removing stale pins in %s", x->pin_dir);
		err = remove_dir(x->pin_dir);
		if (err)
			goto err_dir;
	}
	if (mkdir(x->pin_dir, 0700) < 0) {
		err = -errno;
		goto err_dir;
	}
	bpf_object__for_each_map(map, x->skel->obj) {
		if (bpf_map__is_internal(map))
			continue;
		snprintf(path, sizeof(path), "%s/%s", x->pin_dir,
			 bpf_map__name(map));
		err = bpf_map__pin(map, path);
		if (err)
			goto err_pins;
	}
	return 0;

err_pins:
	unpin(x);
	return err;
err_dir:
	x->pin_dir[0] = '\0';
	return err;
}

int wg_xdp_open(struct wg_xdp **out, const char *wg_ifname)
{
	struct wg_xdp *x;
	int err;

	libbpf_set_print(libbpf_log);
	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	x->link_fd[0] = x->link_fd[1] = -1;
	x->skel = wg_xdp__open();
	if (!x->skel) {
		err = -errno;
		goto err_alloc;
	}
	/* No read-only configuration yet: everything lives in `config`. */
	err = wg_xdp__load(x->skel);
	if (err)
		goto err_skel;
	if (wg_ifname) {
		err = pin(x, wg_ifname);
		if (err)
			goto err_skel;
	}
	*out = x;
	return 0;

err_skel:
	wg_xdp__destroy(x->skel);
err_alloc:
	free(x);
	return err < 0 ? err : -EINVAL;
}

void wg_xdp_close(struct wg_xdp *x)
{
	if (!x)
		return;
	wg_xdp_detach(x, false);
	wg_xdp_detach(x, true);
	unpin(x);
	wg_xdp__destroy(x->skel);
	free(x);
}

static int attach(struct wg_xdp *x, bool lan, int ifindex)
{
	struct bpf_program *prog = lan ? x->skel->progs.xdp_wg_lan :
					 x->skel->progs.xdp_wg_nic;
	LIBBPF_OPTS(bpf_link_create_opts, opts, .flags = XDP_FLAGS_DRV_MODE);
	int fd, err;

	if (ifindex <= 0)
		return -EINVAL;
	wg_xdp_detach(x, lan);
	fd = bpf_link_create(bpf_program__fd(prog), ifindex, BPF_XDP, &opts);
	if (fd >= 0) {
		x->mode[lan] = WG_XDP_MODE_NATIVE;
		goto done;
	}
	err = errno;
	log_warn("native XDP on ifindex %d refused (%s); using generic mode, "
	     "which is slower", ifindex, strerror(err));
	opts.flags = XDP_FLAGS_SKB_MODE;
	fd = bpf_link_create(bpf_program__fd(prog), ifindex, BPF_XDP, &opts);
	if (fd < 0)
		return -errno;
	x->mode[lan] = WG_XDP_MODE_GENERIC;
done:
	x->link_fd[lan] = fd;
	return 0;
}

int wg_xdp_attach_nic(struct wg_xdp *x, int ifindex)
{
	return attach(x, false, ifindex);
}

int wg_xdp_attach_lan(struct wg_xdp *x, int ifindex)
{
	return attach(x, true, ifindex);
}

void wg_xdp_detach(struct wg_xdp *x, bool lan)
{
	if (x->link_fd[lan] >= 0)
		close(x->link_fd[lan]);
	x->link_fd[lan] = -1;
	x->mode[lan] = WG_XDP_MODE_NONE;
}

enum wg_xdp_mode wg_xdp_mode(const struct wg_xdp *x, bool lan)
{
	return x->mode[lan];
}

const char *wg_xdp_mode_name(enum wg_xdp_mode mode)
{
	switch (mode) {
	case WG_XDP_MODE_NATIVE:
		return "native";
	case WG_XDP_MODE_GENERIC:
		return "generic";
	case WG_XDP_MODE_NONE:
		break;
	}
	return "none";
}

static int update(struct bpf_map *map, const void *key, const void *val)
{
	return bpf_map_update_elem(bpf_map__fd(map), key, val, BPF_ANY);
}

static int delete(struct bpf_map *map, const void *key)
{
	return bpf_map_delete_elem(bpf_map__fd(map), key);
}

int wg_xdp_set_config(struct wg_xdp *x, uint16_t listen_port, uint32_t flags)
{
	struct wg_xdp_config cfg = { .listen_port = listen_port,
				     .flags = flags };
	uint32_t key = 0;

	if (flags & ~(uint32_t)(WG_XDP_F_UNDER_LOAD | WG_XDP_F_DEBUG))
		return -EINVAL;
	return update(x->skel->maps.config, &key, &cfg);
}

static int make_addr(struct wg_xdp_addr *a, int family, const void *addr)
{
	memset(a, 0, sizeof(*a));
	a->family = family;
	if (family == AF_INET)
		memcpy(a->addr, addr, 4);
	else if (family == AF_INET6)
		memcpy(a->addr, addr, 16);
	else
		return -EAFNOSUPPORT;
	return 0;
}

int wg_xdp_add_local(struct wg_xdp *x, int family, const void *addr)
{
	struct wg_xdp_addr a;
	uint8_t one = 1;
	int err = make_addr(&a, family, addr);

	return err ? err : update(x->skel->maps.local_addrs, &a, &one);
}

int wg_xdp_del_local(struct wg_xdp *x, int family, const void *addr)
{
	struct wg_xdp_addr a;
	int err = make_addr(&a, family, addr);

	return err ? err : delete(x->skel->maps.local_addrs, &a);
}

int wg_xdp_set_lan_config(struct wg_xdp *x,
			  const struct wg_xdp_lan_config *lc)
{
	uint32_t key = 0;

	if (lc->flags & ~(uint32_t)WG_XDP_LAN_F_MSS_CLAMP)
		return -EINVAL;
	return update(x->skel->maps.lan_config, &key, lc);
}

int wg_xdp_get_lan_config(struct wg_xdp *x, struct wg_xdp_lan_config *lc)
{
	uint32_t key = 0;

	return bpf_map_lookup_elem(bpf_map__fd(x->skel->maps.lan_config),
				   &key, lc) ? -errno : 0;
}

int wg_xdp_add_lan_addr(struct wg_xdp *x, int family, const void *addr,
			enum wg_xdp_lan_addr_kind kind)
{
	struct wg_xdp_addr a;
	uint8_t v = (uint8_t)kind;
	int err = make_addr(&a, family, addr);

	if (err)
		return err;
	if (kind != WG_XDP_LAN_ADDR_LOCAL && kind != WG_XDP_LAN_ADDR_BROADCAST)
		return -EINVAL;
	/* An address of this host stays one when it is also a broadcast. */
	if (kind == WG_XDP_LAN_ADDR_BROADCAST) {
		err = bpf_map_update_elem(bpf_map__fd(x->skel->maps.lan_addrs),
					  &a, &v, BPF_NOEXIST);
		return err == -EEXIST ? 0 : err;
	}
	return update(x->skel->maps.lan_addrs, &a, &v);
}

/* By address, then kind: LOCAL (1) sorts before BROADCAST (2). */
static int entry_cmp(const void *a, const void *b)
{
	const struct wg_xdp_lan_entry *x = a, *y = b;
	int c = memcmp(&x->addr, &y->addr, sizeof(x->addr));

	return c ? c : (int)x->kind - (int)y->kind;
}

static int addr_cmp(const void *key, const void *entry)
{
	return memcmp(key, &((const struct wg_xdp_lan_entry *)entry)->addr,
		      sizeof(struct wg_xdp_addr));
}

int wg_xdp_sync_lan_addrs(struct wg_xdp *x, struct wg_xdp_lan_entry *set,
			  size_t n)
{
	int fd = bpf_map__fd(x->skel->maps.lan_addrs);
	struct wg_xdp_addr k, prev, *stale = NULL;
	size_t nstale = 0, cap = 0, u = 0;
	int err = 0, ret;

	/* One entry per address; an address of this host beats a broadcast. */
	qsort(set, n, sizeof(*set), entry_cmp);
	for (size_t i = 0; i < n; i++)
		if (!u || memcmp(&set[u - 1].addr, &set[i].addr,
				 sizeof(set[i].addr)))
			set[u++] = set[i];
	/* Add first, so that nothing present before and after goes missing. */
	for (size_t i = 0; i < u && !err; i++) {
		uint8_t v = (uint8_t)set[i].kind;

		err = update(x->skel->maps.lan_addrs, &set[i].addr, &v);
	}
	/* Then delete what is gone: collected first, as deleting while
	 * walking restarts the walk. */
	for (ret = bpf_map_get_next_key(fd, NULL, &k); !err && !ret;
	     ret = bpf_map_get_next_key(fd, &prev, &k)) {
		prev = k;
		if (bsearch(&k, set, u, sizeof(*set), addr_cmp))
			continue;
		if (nstale == cap) {
			size_t c = cap ? 2 * cap : 16;
			void *p = realloc(stale, c * sizeof(*stale));

			if (!p) {
				err = -ENOMEM;
				break;
			}
			stale = p;
			cap = c;
		}
		stale[nstale++] = k;
	}
	if (!err && ret != -ENOENT)
		err = ret;
	for (size_t i = 0; !err && i < nstale; i++) {
		ret = delete(x->skel->maps.lan_addrs, &stale[i]);
		if (ret && ret != -ENOENT)
			err = ret;
	}
	free(stale);
	return err;
}

int wg_xdp_add_index(struct wg_xdp *x, uint32_t index, uint32_t peer_id)
{
	uint32_t key = htole32(index); /* the 4 bytes as on the wire */

	return update(x->skel->maps.index, &key, &peer_id);
}

int wg_xdp_del_index(struct wg_xdp *x, uint32_t index)
{
	uint32_t key = htole32(index);

	return delete(x->skel->maps.index, &key);
}

/* Copies the first cidr bits of addr into out (len bytes), zeroing the rest. */
static void mask(uint8_t *out, const uint8_t *addr, unsigned int len,
		 unsigned int cidr)
{
	unsigned int i;

	for (i = 0; i < len; i++) {
		if (cidr >= 8)
			out[i] = addr[i];
		else if (cidr)
			out[i] = addr[i] & (uint8_t)(0xff << (8 - cidr));
		else
			out[i] = 0;
		cidr = cidr >= 8 ? cidr - 8 : 0;
	}
}

static int aip(struct wg_xdp *x, int family, const void *addr, uint8_t cidr,
	       const uint32_t *peer_id)
{
	struct wg_xdp_aip4_key k4 = { .prefixlen = cidr };
	struct wg_xdp_aip6_key k6 = { .prefixlen = cidr };

	if (family == AF_INET) {
		if (cidr > 32)
			return -EINVAL;
		mask(k4.addr, addr, 4, cidr);
		return peer_id ? update(x->skel->maps.aip4, &k4, peer_id) :
				 delete(x->skel->maps.aip4, &k4);
	}
	if (family == AF_INET6) {
		if (cidr > 128)
			return -EINVAL;
		mask(k6.addr, addr, 16, cidr);
		return peer_id ? update(x->skel->maps.aip6, &k6, peer_id) :
				 delete(x->skel->maps.aip6, &k6);
	}
	return -EAFNOSUPPORT;
}

int wg_xdp_add_aip(struct wg_xdp *x, int family, const void *addr,
		   uint8_t cidr, uint32_t peer_id)
{
	return aip(x, family, addr, cidr, &peer_id);
}

int wg_xdp_del_aip(struct wg_xdp *x, int family, const void *addr,
		   uint8_t cidr)
{
	return aip(x, family, addr, cidr, NULL);
}

/*
 * XDP adds to rx_* between our lookup and update can be lost; the window
 * is one syscall and only on configuration changes.
 */
int wg_xdp_set_peer(struct wg_xdp *x, uint32_t peer_id,
		    const struct wg_xdp_peer *p)
{
	struct wg_xdp_peer old, v = *p;

	if (!wg_xdp_get_peer(x, peer_id, &old)) {
		v.rx_packets = old.rx_packets;
		v.rx_bytes = old.rx_bytes;
	} else {
		v.rx_packets = v.rx_bytes = 0;
	}
	v.pad = 0;
	return update(x->skel->maps.peers, &peer_id, &v);
}

int wg_xdp_get_peer(struct wg_xdp *x, uint32_t peer_id,
		    struct wg_xdp_peer *p)
{
	return bpf_map_lookup_elem(bpf_map__fd(x->skel->maps.peers), &peer_id,
				   p);
}

int wg_xdp_del_peer(struct wg_xdp *x, uint32_t peer_id)
{
	return delete(x->skel->maps.peers, &peer_id);
}

int wg_xdp_set_xsk(struct wg_xdp *x, bool lan, uint32_t queue, int fd)
{
	struct bpf_map *map = lan ? x->skel->maps.xsks_lan :
				    x->skel->maps.xsks;
	int err;

	if (queue >= WG_XDP_MAX_QUEUES)
		return -ERANGE;
	if (fd >= 0)
		return update(map, &queue, &fd);
	err = delete(map, &queue);
	return err == -ENOENT ? 0 : err;
}

int wg_xdp_read_stats(struct wg_xdp *x,
		      struct wg_xdp_counter out[WG_XDP_REASON_MAX])
{
	int ncpu = libbpf_num_possible_cpus();
	int fd = bpf_map__fd(x->skel->maps.stats);
	struct wg_xdp_counter *v;
	uint32_t r;
	int i, err = 0;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	v = calloc(ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (r = 0; r < WG_XDP_REASON_MAX; r++) {
		err = bpf_map_lookup_elem(fd, &r, v);
		if (err)
			break;
		out[r].packets = out[r].bytes = 0;
		for (i = 0; i < ncpu; i++) {
			out[r].packets += v[i].packets;
			out[r].bytes += v[i].bytes;
		}
	}
	free(v);
	return err;
}

int wg_xdp_prog_fd(const struct wg_xdp *x, bool lan)
{
	return bpf_program__fd(lan ? x->skel->progs.xdp_wg_lan :
				     x->skel->progs.xdp_wg_nic);
}

int wg_xdp_map_fd(const struct wg_xdp *x, const char *name)
{
	struct bpf_map *map = bpf_object__find_map_by_name(x->skel->obj, name);

	return map ? bpf_map__fd(map) : -ENOENT;
}

int wg_xdp_probe(struct wg_xdp_features *f)
{
	struct stat st;

	f->xdp = libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_XDP, NULL) == 1;
	f->xskmap = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_XSKMAP, NULL) == 1;
	f->lpm_trie =
		libbpf_probe_bpf_map_type(BPF_MAP_TYPE_LPM_TRIE, NULL) == 1;
	f->lru_hash =
		libbpf_probe_bpf_map_type(BPF_MAP_TYPE_LRU_HASH, NULL) == 1;
	f->bpffs = is_bpffs(BPFFS) ||
		   (stat(BPFFS, &st) == 0 && S_ISDIR(st.st_mode));
	return 0;
}
