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
 *
 * `index` and `peers` grow: an update that finds one full builds a map
 * twice the size with the same types and BTF, copies it, swaps it into its
 * map-of-maps slot (the program's only way to it, so the swap is atomic
 * for XDP) and moves the pin to it. Counters that XDP adds to `peers`
 * between the copy and the swap are lost: one syscall's window, once per
 * doubling.
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

#include "crypto.h"
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

/* A map that grows, reached by XDP through the one slot of outer. */
struct growable {
	const char *name; /* its pin's name */
	struct bpf_map *orig; /* the skeleton's first one */
	struct bpf_map *outer;
	int fd; /* the current one: orig's fd, or ours */
	uint32_t max_entries, limit;
	uint32_t count; /* entries, as counted by our updates */
};

struct wg_xdp {
	struct wg_xdp_skel *skel;
	int link_fd[2]; /* [0] NIC, [1] LAN; -1 when not attached */
	enum wg_xdp_mode mode[2];
	char pin_dir[64]; /* empty when nothing is pinned */
	struct growable index, peers;
	uint32_t flags_extra; /* WG_XDP_F_MAC1_OFF from the environment */
	uint64_t cookie_gen; /* generation of the cookie secret XDP has */
	/* wg_xdp_shedding(): DROP_RATELIMIT as last read, when, when moved */
	uint64_t shed_count, shed_read_ns, shed_at_ns;
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

static void growable_init(struct growable *g, const char *name,
			  struct bpf_map *orig, struct bpf_map *outer,
			  uint32_t limit)
{
	g->name = name;
	g->orig = orig;
	g->outer = outer;
	g->fd = bpf_map__fd(orig);
	g->max_entries = bpf_map__max_entries(orig);
	g->limit = limit;
	g->count = 0;
}

static void growable_release(struct growable *g)
{
	if (g->orig && g->fd >= 0 && g->fd != bpf_map__fd(g->orig))
		close(g->fd);
	g->fd = -1;
}

/* Every entry of map from into map to, in batches. 0 or -errno. */
static int copy_entries(int from, int to, uint32_t key_size,
			uint32_t value_size)
{
	enum { BATCH = 4096 };
	void *keys = calloc(BATCH, key_size);
	void *vals = calloc(BATCH, value_size);
	uint64_t token_in = 0, token_out = 0;
	bool first = true, done = false;
	int err = 0;

	if (!keys || !vals) {
		err = -ENOMEM;
		goto out;
	}
	while (!done) {
		uint32_t n = BATCH;

		err = bpf_map_lookup_batch(from, first ? NULL : &token_in,
					   &token_out, keys, vals, &n, NULL);
		if (err == -ENOENT) {
			done = true; /* the last (possibly partial) batch */
			err = 0;
		} else if (err) {
			goto out;
		}
		if (n) {
			uint32_t m = n;

			err = bpf_map_update_batch(to, keys, vals, &m, NULL);
			if (err)
				goto out;
		}
		token_in = token_out;
		first = false;
	}
out:
	free(keys);
	free(vals);
	return err;
}

/*
 * Points the pin of g at fd: pin beside it, then rename over it (bpffs
 * refuses names with a dot).
 */
static int repin(struct wg_xdp *x, struct growable *g, int fd)
{
	char path[PATH_MAX], tmp[PATH_MAX];

	if (!x->pin_dir[0])
		return 0;
	snprintf(path, sizeof(path), "%s/%s", x->pin_dir, g->name);
	snprintf(tmp, sizeof(tmp), "%s/%s_new", x->pin_dir, g->name);
	unlink(tmp);
	if (bpf_obj_pin(fd, tmp))
		return -errno;
	if (rename(tmp, path) == 0)
		return 0;
	/* No rename on this bpffs: a short moment without the pin. */
	unlink(path);
	unlink(tmp);
	return bpf_obj_pin(fd, path) ? -errno : 0;
}

/*
 * Replaces g's map by one twice the size holding the same entries.
 * -ENOSPC at g->limit; on any failure the old map stays in place.
 */
static int grow(struct wg_xdp *x, struct growable *g)
{
	struct bpf_map_info info;
	uint32_t len = sizeof(info), zero = 0, max;
	int fd = -1, btf_fd = -1, err;

	if (g->max_entries >= g->limit)
		return -ENOSPC;
	max = g->max_entries * 2;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(g->fd, &info, &len))
		return -errno;
	if (info.btf_id) {
		btf_fd = bpf_btf_get_fd_by_id(info.btf_id);
		if (btf_fd < 0)
			info.btf_id = 0; /* a map without BTF still works */
	}
	{
		LIBBPF_OPTS(bpf_map_create_opts, opts,
			    .map_flags = info.map_flags);

		if (info.btf_id) {
			opts.btf_fd = btf_fd;
			opts.btf_key_type_id = info.btf_key_type_id;
			opts.btf_value_type_id = info.btf_value_type_id;
		}
		fd = bpf_map_create(info.type, g->name, info.key_size,
				    info.value_size, max, &opts);
	}
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	err = copy_entries(g->fd, fd, info.key_size, info.value_size);
	if (err)
		goto out;
	if (bpf_map_update_elem(bpf_map__fd(g->outer), &zero, &fd, BPF_ANY)) {
		err = -errno;
		goto out;
	}
	/* XDP uses the new map from here on; the old one goes with its fd. */
	err = repin(x, g, fd);
	if (err)
		log_warn("%s grew but its pin could not follow: %s", g->name,
			 strerror(-err));
	log_info("XDP map %s grown to %u entries", g->name, max);
	growable_release(g);
	g->fd = fd;
	g->max_entries = max;
	fd = -1;
	err = 0;
out:
	if (fd >= 0)
		close(fd);
	if (btf_fd >= 0)
		close(btf_fd);
	return err;
}

/*
 * Inserts or replaces key -> val in g, growing it when full. Counts new
 * keys. 0 or -errno.
 */
static int growable_update(struct wg_xdp *x, struct growable *g,
			   const void *key, const void *val)
{
	int err;

	for (;;) {
		err = bpf_map_update_elem(g->fd, key, val, BPF_NOEXIST);
		if (!err) {
			g->count++;
			return 0;
		}
		if (err == -EEXIST)
			return bpf_map_update_elem(g->fd, key, val, BPF_EXIST);
		if (err != -E2BIG)
			return err;
		err = grow(x, g);
		if (err)
			return err;
	}
}

static int growable_delete(struct growable *g, const void *key)
{
	int err = bpf_map_delete_elem(g->fd, key);

	if (!err && g->count)
		g->count--;
	return err;
}

/* $WG_XDP_MAC1: "0" lets handshakes reach the daemon with mac1 unchecked. */
static int mac1_knob(uint32_t *flags)
{
	const char *env = getenv("WG_XDP_MAC1");

	*flags = 0;
	if (!env || !env[0] || !strcmp(env, "1"))
		return 0;
	if (!strcmp(env, "0")) {
		log_warn("WG_XDP_MAC1=0: XDP passes handshakes to the daemon "
			 "without checking mac1");
		*flags = WG_XDP_F_MAC1_OFF;
		return 0;
	}
	log_err("WG_XDP_MAC1: want 0 or 1");
	return -EINVAL;
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
	err = mac1_knob(&x->flags_extra);
	if (err)
		goto err_skel;
	/* No read-only configuration yet: everything lives in `config`. */
	err = wg_xdp__load(x->skel);
	if (err)
		goto err_skel;
	growable_init(&x->index, "index", x->skel->maps.index,
		      x->skel->maps.index_of, WG_XDP_INDEXES_MAX);
	growable_init(&x->peers, "peers", x->skel->maps.peers,
		      x->skel->maps.peers_of, WG_XDP_PEERS_MAX);
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
	growable_release(&x->index);
	growable_release(&x->peers);
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
	cfg.flags |= x->flags_extra;
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

	return growable_update(x, &x->index, &key, &peer_id);
}

int wg_xdp_del_index(struct wg_xdp *x, uint32_t index)
{
	uint32_t key = htole32(index);

	return growable_delete(&x->index, &key);
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
	return growable_update(x, &x->peers, &peer_id, &v);
}

int wg_xdp_get_peer(struct wg_xdp *x, uint32_t peer_id,
		    struct wg_xdp_peer *p)
{
	return bpf_map_lookup_elem(x->peers.fd, &peer_id, p);
}

int wg_xdp_del_peer(struct wg_xdp *x, uint32_t peer_id)
{
	return growable_delete(&x->peers, &peer_id);
}

/* hs_keys[id] <- the state of key (NULL: none), taken until until_ns. */
static int set_key(struct wg_xdp *x, uint32_t id, const uint8_t key[32],
		   uint64_t until_ns)
{
	struct wg_xdp_hs_key v;
	int err;

	memset(&v, 0, sizeof(v));
	if (key) {
		wg_b2s_key_state(&v.state, key, 32);
		v.set = 1;
		v.until_ns = until_ns;
	}
	err = update(x->skel->maps.hs_keys, &id, &v);
	wg_wipe(&v, sizeof(v));
	return err;
}

int wg_xdp_set_hs_key(struct wg_xdp *x, enum wg_xdp_hs_key_id id,
		      const uint8_t key[32])
{
	if (id >= WG_XDP_KEY_MAX)
		return -EINVAL;
	return set_key(x, id, key, 0);
}

int wg_xdp_set_cookie_secret(struct wg_xdp *x, uint64_t gen,
			     const uint8_t secret[32], const uint8_t prev[32],
			     uint64_t prev_until)
{
	int err = set_key(x, WG_XDP_KEY_COOKIE, gen ? secret : NULL, 0);

	if (!err)
		err = set_key(x, WG_XDP_KEY_COOKIE_PREV,
			      gen && prev && prev_until ? prev : NULL,
			      prev_until);
	if (!err)
		x->cookie_gen = gen;
	return err;
}

uint64_t wg_xdp_cookie_gen(const struct wg_xdp *x)
{
	return x->cookie_gen;
}

/* The stats of one reason, summed over CPUs. */
static int read_stat(struct wg_xdp *x, uint32_t reason,
		     struct wg_xdp_counter *out)
{
	int ncpu = libbpf_num_possible_cpus();
	struct wg_xdp_counter *v;
	int err;

	if (ncpu <= 0)
		return ncpu ? ncpu : -EINVAL;
	v = calloc(ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	err = bpf_map_lookup_elem(bpf_map__fd(x->skel->maps.stats), &reason,
				  v);
	out->packets = out->bytes = 0;
	for (int i = 0; !err && i < ncpu; i++) {
		out->packets += v[i].packets;
		out->bytes += v[i].bytes;
	}
	free(v);
	return err;
}

bool wg_xdp_shedding(struct wg_xdp *x, uint64_t now, uint64_t window_ns)
{
	struct wg_xdp_counter c;

	if (!x->shed_read_ns || now - x->shed_read_ns >= WG_XDP_SHED_POLL_NS) {
		x->shed_read_ns = now;
		if (!read_stat(x, WG_XDP_DROP_RATELIMIT, &c) &&
		    c.packets != x->shed_count) {
			x->shed_count = c.packets;
			x->shed_at_ns = now;
		}
	}
	return x->shed_at_ns && now - x->shed_at_ns < window_ns;
}

int wg_xdp_map_usage(const struct wg_xdp *x, const char *name,
		     uint32_t *entries, uint32_t *max_entries)
{
	const struct growable *g = !strcmp(name, "index") ? &x->index :
				   !strcmp(name, "peers") ? &x->peers :
							    NULL;

	if (!g)
		return -ENOENT;
	*entries = g->count;
	*max_entries = g->max_entries;
	return 0;
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
	struct bpf_map *map;

	if (!strcmp(name, "index"))
		return x->index.fd;
	if (!strcmp(name, "peers"))
		return x->peers.fd;
	map = bpf_object__find_map_by_name(x->skel->obj, name);

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
