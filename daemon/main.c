// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Start-up and shutdown, in order. Start: configuration file (nothing is
 * created if it is bad), device tables, PreUp, TUN, the UDP socket, XDP and
 * one AF_XDP socket per NIC queue (or the UDP path when any of that is not
 * available), the configuration, workers, then the control thread, which
 * says when the control socket listens; then DNS, routes and PostUp (they
 * may use `wg`), and only then readiness. A stop request runs PreDown and
 * SaveConfig while the control socket still answers. Shutdown undoes it in
 * reverse, so that no XDP program, pin, route, rule or device outlives us;
 * PostDown comes last, as in wg-quick (see daemon.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "afxdp.h"
#include "conffile.h"
#include "control.h"
#include "daemon.h"
#include "dataplane.h"
#include "device.h"
#include "dns.h"
#include "exec.h"
#include "gateway.h"
#include "log.h"
#include "netfilter.h"
#include "netlink.h"
#include "rcu.h"
#include "receive.h"
#include "route.h"
#include "service.h"
#include "tunio.h"
#include "udp.h"
#include "worker.h"
#include "xdp.h"
#include "xsk.h"

static void report(int *ready_fd, const char *fmt, const char *arg)
{
	char line[512];
	int n;

	/* The caller prints the message: no second copy on the terminal. */
	wg_log_set_echo(-1);
	n = snprintf(line, sizeof(line), fmt, arg);
	log_err("%s", line);
	if (*ready_fd >= 0) {
		if (write(*ready_fd, "error: ", 7) < 0 ||
		    write(*ready_fd, line, (size_t)n) < 0 ||
		    write(*ready_fd, "\n", 1) < 0)
			log_warn("Could not report the error to the caller");
		close(*ready_fd);
		*ready_fd = -1;
	}
}

/*
 * Which NIC to attach: -n, else $WG_XDP_NIC, else the NIC of the route to
 * the first peer's endpoint, else the default route's.
 */
static void pick_nic(struct wg_device *dev, const struct wg_daemon_opts *o,
		     const struct wg_config *cfg)
{
	const char *env = getenv("WG_XDP_NIC");
	struct wg_nl_link link;
	struct wg_nl_route rt;
	struct wg_nl_ip dst = { 0 };
	int ifindex;

	if (o->nic[0]) {
		snprintf(dev->dp.nic, sizeof(dev->dp.nic), "%s", o->nic);
		return;
	}
	if (env && env[0]) {
		snprintf(dev->dp.nic, sizeof(dev->dp.nic), "%s", env);
		return;
	}
	for (size_t i = 0; i < cfg->n_peers && !dst.family; i++) {
		const struct wg_endpoint *ep = &cfg->peers[i].endpoint;

		if (!cfg->peers[i].has_endpoint)
			continue;
		dst.family = ep->sa.sa_family;
		if (dst.family == AF_INET)
			dst.v4 = ep->in4.sin_addr;
		else if (dst.family == AF_INET6)
			dst.v6 = ep->in6.sin6_addr;
	}
	if (dst.family && !wg_nl_route_get(dev->dp.nl, &dst, NULL, 0, cfg->fwmark, &rt) &&
	    !wg_nl_link_get(dev->dp.nl, rt.ifindex, &link)) {
		memcpy(dev->dp.nic, link.name, sizeof(dev->dp.nic));
		return;
	}
	if (wg_nl_default_dev(dev->dp.nl, &ifindex, dev->dp.nic))
		dev->dp.nic[0] = 0;
}

/*
 * $WG_XDP_BUSY_POLL_US: microseconds, 0 to WG_BUSY_POLL_MAX_US; the default
 * when unset. Returns the value or -EINVAL for anything else.
 */
static int busy_poll_us(void)
{
	const char *env = getenv("WG_XDP_BUSY_POLL_US");
	uint64_t v;

	if (!env || !env[0])
		return WG_BUSY_POLL_US;
	if (!wg_config_parse_u64(env, WG_BUSY_POLL_MAX_US, &v))
		return -EINVAL;
	return (int)v;
}

static void close_xsks(struct wg_xsk **xsks)
{
	for (unsigned int i = 0; i < WG_MAX_QUEUES; i++) {
		if (xsks[i])
			wg_xsk_close(xsks[i]);
		xsks[i] = NULL;
	}
}

static void stop_xdp(struct wg_device *dev, struct wg_xsk **xsks,
		     struct wg_xsk **lan)
{
	if (dev->dp.xdp)
		wg_xdp_close(dev->dp.xdp); /* detaches and unpins */
	dev->dp.xdp = NULL;
	close_xsks(xsks);
	close_xsks(lan);
}

/*
 * Gateway mode: an AF_XDP socket on each LAN queue a worker serves, and
 * the LAN program, which steals plaintext for allowed IPs. Before it is
 * attached it knows the LAN's MAC, the TUN device and every address of
 * this host (kept in step from rtnetlink after that, see gateway.h).
 */
static int start_lan(struct wg_device *dev, struct wg_xsk **lan,
		     unsigned int mss_clamp)
{
	int ret;

	dev->dp.lan_ifindex = wg_nl_link_index(dev->dp.nl, dev->dp.lan);
	if (dev->dp.lan_ifindex <= 0)
		return -ENODEV;
	for (unsigned int q = 0; q < dev->nworkers; q++) {
		struct wg_xsk_config xc = {
			.ifindex = (unsigned int)dev->dp.lan_ifindex,
			.queue_id = q,
			.zerocopy = true,
		};

		ret = wg_xsk_open(&lan[q], &xc);
		if (ret && q > 0 && ret == -EINVAL)
			break; /* the LAN has fewer queues */
		if (!ret)
			ret = wg_xdp_set_xsk(dev->dp.xdp, true, q,
					     wg_xsk_fd(lan[q]));
		if (ret)
			goto err;
	}
	ret = wg_gateway_start(dev, mss_clamp);
	if (!ret)
		ret = wg_xdp_attach_lan(dev->dp.xdp, dev->dp.lan_ifindex);
	if (!ret)
		return 0;
err:
	close_xsks(lan);
	return ret;
}

/*
 * The fast path: XDP on the NIC and an AF_XDP socket for each RX queue.
 * Any failure leaves nothing attached and returns -errno: the caller then
 * runs the UDP path.
 */
static int start_xdp(struct wg_device *dev, struct wg_xsk **xsks,
		     struct wg_xsk **lan, unsigned int mss_clamp)
{
	struct wg_nl_link link;
	unsigned int queues;
	int ret;

	dev->dp.nic_ifindex = wg_nl_link_index(dev->dp.nl, dev->dp.nic);
	if (dev->dp.nic_ifindex <= 0)
		return -ENODEV;
	ret = wg_nl_link_get(dev->dp.nl, dev->dp.nic_ifindex, &link);
	if (ret)
		return ret;
	if (link.type != 1 /* ARPHRD_ETHER */ || !link.has_mac) {
		log_warn("%s is not an Ethernet device: no XDP on it", dev->dp.nic);
		return -EOPNOTSUPP;
	}
	memcpy(dev->dp.nic_mac, link.mac, 6);
	queues = link.combined_channels ? link.combined_channels :
					  link.rx_queues;
	if (!queues)
		queues = 1;
	if (queues > WG_MAX_QUEUES)
		queues = WG_MAX_QUEUES;

	ret = wg_xdp_open(&dev->dp.xdp, dev->ifname);
	if (ret)
		return ret;
	dev->dp.port = atomic_load(&dev->port);
	ret = wg_xdp_set_config(dev->dp.xdp, dev->dp.port,
				wg_log_debug_enabled() ? WG_XDP_F_DEBUG : 0);
	if (ret)
		goto err;
	for (unsigned int q = 0; q < queues; q++) {
		struct wg_xsk_config xc = {
			.ifindex = (unsigned int)dev->dp.nic_ifindex,
			.queue_id = q,
			.zerocopy = true,
		};

		ret = wg_xsk_open(&xsks[q], &xc);
		if (ret && q > 0 && ret == -EINVAL) {
			/* The counts above are maxima; fewer are in use. */
			queues = q;
			break;
		}
		if (ret) {
			log_warn("No AF_XDP socket on %s queue %u: %s",
				 dev->dp.nic, q, strerror(-ret));
			goto err;
		}
		ret = wg_xdp_set_xsk(dev->dp.xdp, false, q, wg_xsk_fd(xsks[q]));
		if (ret)
			goto err;
	}
	dev->xsk_mode = wg_xsk_mode(xsks[0]) == WG_XSK_MODE_ZEROCOPY ?
				"zerocopy" : "copy";
	ret = wg_dataplane_sync_local(&dev->dp);
	if (ret)
		goto err;
	ret = wg_xdp_attach_nic(dev->dp.xdp, dev->dp.nic_ifindex);
	if (ret)
		goto err;
	if (wg_xdp_mode(dev->dp.xdp, false) == WG_XDP_MODE_GENERIC)
		log_warn("%s has no native XDP: using generic (slower) mode",
			 dev->dp.nic);
	dev->nworkers = queues;
	if (dev->dp.lan[0] && (ret = start_lan(dev, lan, mss_clamp))) {
		log_warn("Could not attach gateway mode to %s: %s", dev->dp.lan,
			 strerror(-ret));
		dev->dp.lan[0] = 0;
	}
	dev->path = WG_PATH_XDP;
	return 0;
err:
	stop_xdp(dev, xsks, lan);
	return ret;
}

/*
 * The gateway fast path takes LAN packets before netfilter: with rules or
 * a DROP policy on the FORWARD hook it would silently bypass them. 0 when
 * gateway mode may start; otherwise the reason has been reported.
 */
static int check_netfilter(const struct wg_daemon_opts *o, int *ready_fd)
{
	char why[256], line[480];
	int ret;

	if (!o->lan[0] || o->lan_bypass_netfilter)
		return 0;
	ret = wg_netfilter_forward_rules(why, sizeof(why));
	if (!ret)
		return 0;
	if (ret > 0)
		snprintf(line, sizeof(line),
			 "--lan %s: packets the gateway fast path forwards "
			 "bypass netfilter, and the FORWARD hook has rules "
			 "(%s); remove them, or pass --lan-bypass-netfilter "
			 "to forward without them",
			 o->lan, why);
	else
		snprintf(line, sizeof(line),
			 "--lan %s: cannot read netfilter's FORWARD chains "
			 "(%s); pass --lan-bypass-netfilter to forward "
			 "without checking them",
			 o->lan, strerror(-ret));
	report(ready_fd, "%s", line);
	return -EPERM;
}

static int configure_tun(struct wg_device *dev, const struct wg_config *cfg,
			 bool addresses)
{
	int ret;

	if (cfg && cfg->has_mtu)
		atomic_store(&dev->mtu, cfg->mtu);
	else if (addresses && cfg) /* wg-quick's rule */
		atomic_store(&dev->mtu, wg_route_auto_mtu(dev->dp.nl, cfg));
	ret = wg_nl_link_set_mtu(dev->dp.nl, dev->tun.ifindex,
				 atomic_load(&dev->mtu));
	if (ret)
		return ret;
	/*
	 * The TUN ring holds what the stack sends until a worker reads it;
	 * the default 500 overflows on a burst of a few hundred microseconds
	 * (measured: 1 % of 1 Gbit/s UDP lost there). Best effort.
	 */
	if (wg_nl_link_set_txqlen(dev->dp.nl, dev->tun.ifindex, WG_TUN_TXQLEN))
		log_warn("cannot set the TUN queue length");
	for (size_t i = 0; addresses && cfg && i < cfg->n_addrs; i++) {
		struct wg_nl_ip ip = { .family = cfg->addrs[i].family };

		memcpy(&ip.v6, cfg->addrs[i].addr,
		       ip.family == AF_INET6 ? 16 : 4);
		ret = wg_nl_addr_add(dev->dp.nl, dev->tun.ifindex, &ip,
				     cfg->addrs[i].cidr);
		if (ret && ret != -EEXIST)
			return ret;
	}
	return wg_nl_link_set_up(dev->dp.nl, dev->tun.ifindex, true);
}

/* The control thread: runs until stopping; then tells main via exit_fd. */
struct control_thread {
	struct wg_device *dev;
	int exit_fd;
	int ret;
};

static void *control_main(void *arg)
{
	struct control_thread *ct = arg;
	uint64_t one = 1;

	ct->ret = wg_control_run(ct->dev);
	if (write(ct->exit_fd, &one, sizeof(one)) < 0)
		log_warn("cannot tell the main thread that control stopped");
	return NULL;
}

/* "ok\n" on the pipe from the control thread; false when it gave up. */
static bool control_ready(int fd)
{
	char buf[4];
	ssize_t n;

	do
		n = read(fd, buf, sizeof(buf));
	while (n < 0 && errno == EINTR);
	return n > 0 && buf[0] == 'o';
}

/* Until a stop request (true) or the control thread's end (false). */
static bool wait_stop(int stop_fd, int exit_fd)
{
	struct pollfd p[2] = { { stop_fd, POLLIN, 0 }, { exit_fd, POLLIN, 0 } };

	for (;;) {
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return false;
		if (p[1].revents)
			return false;
		if (p[0].revents)
			return true;
	}
}

/* SaveConfig, as wg-quick's save_config (see conffile.h). */
static void save_config(struct wg_device *dev, const char *path,
			const struct wg_quick *q, bool had_mtu)
{
	struct wg_device_info info = { 0 };
	int ret;

	ret = wg_device_info(dev, &info);
	if (!ret) {
		ret = wg_conffile_save(path, &info, q, had_mtu,
				       dev->tun.ifindex);
		wg_device_info_free(dev, &info);
	}
	if (ret)
		log_err("SaveConfig: cannot write %s: %s", path,
			strerror(-ret));
	else
		log_info("Saved the configuration to %s", path);
}

/* End the console echo: from now on everything goes to the log only. */
static void console_done(int *console_fd)
{
	wg_log_set_echo(-1);
	wg_exec_set_output(-1);
	if (*console_fd >= 0)
		close(*console_fd);
	*console_fd = -1;
}

/*
 * The transports and workers: worker i gets AF_XDP socket i on the NIC
 * (and on the LAN side), a UDP transport over the device's sockets (only
 * worker 0's receives) and TUN queue i; the control thread gets a UDP
 * transport of its own for handshake messages. The sockets handed over
 * are the workers' from then on (xsks[i] cleared).
 */
static int make_workers(struct wg_device *dev, struct wg_xsk **xsks,
			struct wg_xsk **lan, struct wg_tunio *tio)
{
	int ret;

	ret = wg_udp_create(&dev->ctl_tx, &dev->sock, 0);
	if (ret)
		return ret;
	dev->workers = calloc(dev->nworkers, sizeof(*dev->workers));
	if (!dev->workers)
		return -ENOMEM;
	for (unsigned int i = 0; i < dev->nworkers; i++) {
		struct wg_worker_config wc = { .tun = &tio[i] };

		wg_tunio_fd_init(&tio[i], dev->tun.fds[i % dev->tun.queues],
				 dev->tun.vnet_hdr);
		ret = wg_udp_create(&wc.udp, &dev->sock, i ? 0 : WG_UDP_RECV);
		if (!ret && dev->path == WG_PATH_XDP && xsks[i]) {
			ret = wg_afxdp_nic_create(&wc.nic, xsks[i],
						  dev->dp.nic_ifindex);
			if (!ret)
				xsks[i] = NULL;
		}
		if (!ret && dev->dp.lan[0] && lan[i]) {
			ret = wg_afxdp_lan_create(&wc.lan, lan[i],
						  dev->dp.lan_ifindex);
			if (!ret)
				lan[i] = NULL;
		}
		if (!ret)
			ret = wg_worker_create(&dev->workers[i], dev, i, &wc);
		if (ret) {
			if (wc.lan)
				wc.lan->ops->destroy(wc.lan);
			if (wc.nic)
				wc.nic->ops->destroy(wc.nic);
			if (wc.udp)
				wc.udp->ops->destroy(wc.udp);
			return ret;
		}
	}
	return 0;
}

static void free_workers(struct wg_device *dev)
{
	for (unsigned int i = 0; dev->workers && i < dev->nworkers; i++)
		wg_worker_destroy(dev->workers[i]);
	free(dev->workers);
	dev->workers = NULL;
	if (dev->ctl_tx)
		dev->ctl_tx->ops->destroy(dev->ctl_tx);
	dev->ctl_tx = NULL;
}

int wg_daemon_run(const struct wg_daemon_opts *o, int ready_fd)
{
	struct wg_xsk *xsks[WG_MAX_QUEUES] = { 0 };
	struct wg_xsk *lan[WG_MAX_QUEUES] = { 0 };
	struct wg_tunio tio[WG_MAX_QUEUES];
	struct wg_conffile_err cerr = { 0 };
	struct control_thread ct = { .exit_fd = -1 };
	struct wg_quick quick = { 0 };
	bool quick_mode = o->configure_interface, had_mtu, dns_set = false;
	bool post_down = false;
	int inner[2] = { -1, -1 }, console = o->console_fd;
	struct wg_socket *sock;
	struct wg_config cfg;
	struct wg_device *dev;
	pthread_t control;
	sigset_t mask;
	enum wg_tx_mode tx_mode;
	size_t from;
	int ret, spin;

	wg_config_init(&cfg);
	wg_log_init_env();
	if (o->debug)
		wg_log_set_debug(true);
	wg_log_set_prefix(o->ifname);
	if (console >= 0) {
		wg_log_set_echo(console);
		wg_exec_set_output(console);
	}
	spin = busy_poll_us();
	if (spin < 0) {
		report(&ready_fd, "%s", "WG_XDP_BUSY_POLL_US: not a number of "
		       "microseconds from 0 to 1000");
		return 1;
	}
	if (wg_txsel_parse(getenv("WG_XDP_TX"), &tx_mode)) {
		report(&ready_fd, "%s", "WG_XDP_TX: not auto, xdp or udp");
		return 1;
	}
	if (wg_crypto_init()) {
		report(&ready_fd, "%s", "libsodium failed to initialise");
		return 1;
	}
	if (o->config_path) {
		ret = wg_conffile_load(&cfg, o->config_path, &cerr);
		if (ret) {
			report(&ready_fd, "%s", cerr.msg[0] ? cerr.msg :
							      strerror(-ret));
			return 1;
		}
	}
	if (check_netfilter(o, &ready_fd)) {
		wg_config_free(&cfg);
		return 1;
	}
	from = wg_crypto_calibrate(cfg.has_mtu ? cfg.mtu : WG_DEFAULT_MTU);
	if (from == SIZE_MAX)
		log_info("Data AEAD: libsodium (OpenSSL is not faster here)");
	else
		log_info("Data AEAD: OpenSSL from %zu bytes, libsodium below",
			 from);
	/* The wg-quick keys outlive cfg (which holds keys and is wiped). */
	quick = cfg.quick;
	memset(&cfg.quick, 0, sizeof(cfg.quick));
	had_mtu = cfg.has_mtu;
	/* Signals are read from a signalfd by the control thread. */
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);

	dev = calloc(1, sizeof(*dev));
	if (!dev || wg_device_init(dev, o->ifname)) {
		report(&ready_fd, "%s", "out of memory");
		free(dev);
		wg_config_free(&cfg);
		goto out_quick;
	}
	snprintf(dev->dp.lan, sizeof(dev->dp.lan), "%s", o->lan);
	dev->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	dev->stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ct.exit_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ret = wg_nl_open(&dev->dp.nl);
	if (!ret)
		ret = wg_receive_init(dev);
	if (ret || dev->wake_fd < 0 || dev->stop_fd < 0 || ct.exit_fd < 0) {
		report(&ready_fd, "start-up: %s", strerror(ret ? -ret : errno));
		goto out_dev;
	}
	if (quick_mode) {
		ret = wg_route_new(&dev->dp.route, o->ifname, &quick);
		if (!ret)
			ret = wg_route_prepare(dev->dp.route, &cfg);
		if (ret) {
			report(&ready_fd, "routing: %s", strerror(-ret));
			goto out_dev;
		}
		if (wg_exec_hooks(&quick.hooks[WG_HOOK_PRE_UP], o->ifname)) {
			report(&ready_fd, "%s", "a PreUp hook failed");
			goto out_dev;
		}
	}
	/* Offloads: TUN hands us TSO/USO super-packets, see offload.h. */
	ret = wg_tun_create(&dev->tun, o->ifname, 1, WG_TUN_VNET_HDR);
	if (ret) {
		report(&ready_fd, "cannot create the TUN device: %s",
		       strerror(-ret));
		goto out_dev;
	}
	dev->dp.tun_ifindex = dev->tun.ifindex;
	ret = configure_tun(dev, &cfg, quick_mode);
	if (ret) {
		report(&ready_fd, "cannot configure the interface: %s",
		       strerror(-ret));
		goto out_tun;
	}
	sock = calloc(1, sizeof(*sock));
	ret = sock ? wg_socket_open(sock,
				    cfg.has_listen_port ? cfg.listen_port : 0,
				    cfg.has_fwmark ? cfg.fwmark : 0) :
		     -ENOMEM;
	if (ret) {
		free(sock);
		report(&ready_fd, "cannot bind the listen port: %s",
		       strerror(-ret));
		goto out_tun;
	}
	dev->sock = sock;
	dev->fwmark = sock->fwmark;
	atomic_store(&dev->port, sock->port);
	cfg.has_listen_port = false; /* bound already */

	pick_nic(dev, o, &cfg);
	dev->nworkers = 1;
	dev->path = WG_PATH_UDP;
	if (!dev->dp.nic[0]) {
		log_info("No NIC given and no default route: using the UDP "
			 "socket path");
	} else if ((ret = start_xdp(dev, xsks, lan, o->lan_mss_clamp))) {
		log_warn("XDP/AF_XDP unavailable on %s (%s): using the UDP "
			 "socket path", dev->dp.nic, strerror(-ret));
		dev->nworkers = 1;
	}
	/* One TUN queue per worker: the kernel spreads flows over them. */
	if (dev->nworkers > 1 &&
	    (ret = wg_tun_add_queues(&dev->tun, dev->nworkers)))
		log_warn("Only %u TUN queue%s for %u workers: %s",
			 dev->tun.queues, dev->tun.queues == 1 ? "" : "s",
			 dev->nworkers, strerror(-ret));
	if (dev->dp.lan[0])
		log_info("Gateway mode on %s", dev->dp.lan);
	wg_txsel_init(&dev->txsel, tx_mode,
		      dev->path == WG_PATH_XDP &&
			      !strcmp(dev->xsk_mode, "zerocopy"));
	if (dev->path == WG_PATH_XDP)
		log_info("Data path: XDP (%s) on %s, AF_XDP %s mode, %u queue%s; "
			 "transmit: %s",
			 wg_xdp_mode_name(wg_xdp_mode(dev->dp.xdp, false)),
			 dev->dp.nic, dev->xsk_mode, dev->nworkers,
			 dev->nworkers == 1 ? "" : "s",
			 wg_txsel_name(&dev->txsel));

	ret = wg_device_apply(dev, &cfg);
	if (ret) {
		report(&ready_fd, "cannot apply the configuration: %s",
		       strerror(-ret));
		goto out_xdp;
	}
	dev->busy_poll_us = (unsigned int)spin;
	ret = make_workers(dev, xsks, lan, tio);
	if (!ret)
		ret = wg_workers_start(dev);
	if (ret) {
		report(&ready_fd, "cannot start workers: %s", strerror(-ret));
		goto out_workers;
	}
	/* The control thread says "ok" on inner once its socket listens. */
	if (pipe2(inner, O_CLOEXEC)) {
		report(&ready_fd, "pipe: %s", strerror(errno));
		goto out_workers;
	}
	dev->ready_fd = inner[1];
	ct.dev = dev;
	ret = pthread_create(&control, NULL, control_main, &ct);
	if (ret) {
		close(inner[1]);
		dev->ready_fd = -1;
		report(&ready_fd, "control thread: %s", strerror(ret));
		goto out_workers;
	}
	if (!control_ready(inner[0])) {
		report(&ready_fd, "control thread: %s",
		       strerror(ct.ret ? -ct.ret : EIO));
		goto out_control;
	}
	/* wg-quick's set_dns, add_route for each allowed IP, PostUp. */
	if (quick_mode) {
		ret = wg_dns_set(o->ifname, &quick);
		if (ret) {
			report(&ready_fd, "cannot set DNS: %s", strerror(-ret));
			goto out_control;
		}
		dns_set = true;
		ret = wg_route_up(dev->dp.route, dev->tun.ifindex, dev->fwmark,
				  &cfg);
		if (ret) {
			report(&ready_fd, "cannot add the routes: %s",
			       strerror(-ret));
			goto out_control;
		}
		if (wg_exec_hooks(&quick.hooks[WG_HOOK_POST_UP], o->ifname)) {
			report(&ready_fd, "%s", "a PostUp hook failed");
			goto out_control;
		}
	}
	wg_config_free(&cfg);
	post_down = true;
	log_info("Interface %s up, listening on port %u", dev->ifname,
		 atomic_load(&dev->port));
	console_done(&console);
	wg_service_notify("READY=1\nSTATUS=Interface up");
	if (ready_fd >= 0) {
		if (write(ready_fd, "ok\n", 3) < 0)
			log_warn("Could not signal readiness: %s",
				 strerror(errno));
		close(ready_fd);
		ready_fd = -1;
	}

	if (wait_stop(dev->stop_fd, ct.exit_fd) && quick_mode) {
		/* wg-quick's cmd_down, while `wg` can still talk to us. */
		wg_service_notify("STOPPING=1");
		if (wg_exec_hooks(&quick.hooks[WG_HOOK_PRE_DOWN], o->ifname))
			log_warn("a PreDown hook failed; going down anyway");
		if (quick.save_config && o->config_path)
			save_config(dev, o->config_path, &quick, had_mtu);
	}
	ret = 0;
out_control:
	atomic_store(&dev->stopping, true);
	wg_device_wake(dev);
	pthread_join(control, NULL);
	if (!ret)
		ret = ct.ret;
	wg_service_notify("STOPPING=1");
out_workers:
	atomic_store(&dev->stopping, true);
	wg_workers_stop(dev);
	log_info("Interface %s down", dev->ifname);
	/* wg-quick's del_if: its routes, rules, firewall and DNS go first. */
	wg_route_free(dev->dp.route);
	dev->dp.route = NULL;
	if (dns_set)
		wg_dns_unset(o->ifname, &quick);
	/* Detach XDP before its sockets close: nothing is redirected to them. */
	stop_xdp(dev, xsks, lan);
	free_workers(dev);
	goto out_tun;
out_xdp:
	wg_route_free(dev->dp.route);
	dev->dp.route = NULL;
	stop_xdp(dev, xsks, lan);
out_tun:
	wg_tun_destroy(&dev->tun);
out_dev:
	wg_route_free(dev->dp.route);
	dev->dp.route = NULL;
	wg_config_free(&cfg);
	wg_device_destroy(dev);
	wg_receive_destroy(dev);
	if (dev->dp.nl)
		wg_nl_close(dev->dp.nl);
	if (dev->wake_fd >= 0)
		close(dev->wake_fd);
	if (dev->stop_fd >= 0)
		close(dev->stop_fd);
	if (ct.exit_fd >= 0)
		close(ct.exit_fd);
	if (inner[0] >= 0)
		close(inner[0]);
	free(dev);
	if (post_down &&
	    wg_exec_hooks(&quick.hooks[WG_HOOK_POST_DOWN], o->ifname))
		log_warn("a PostDown hook failed");
out_quick:
	console_done(&console);
	wg_config_init(&cfg);
	cfg.quick = quick;
	wg_config_free(&cfg);
	return ret || !post_down ? 1 : 0;
}
