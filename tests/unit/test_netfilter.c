// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * wg_netfilter_forward_rules() against the running kernel: every test runs
 * in a fresh network namespace (unshare(CLONE_NEWNET)), where it writes
 * rules with the stock tools (nft, iptables-nft, iptables-legacy,
 * ip6tables-legacy) and reads them back. Needs root and those tools.
 */
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "netfilter.h"

static int setup(void **state)
{
	(void)state;
	if (unshare(CLONE_NEWNET) < 0) {
		perror("unshare(CLONE_NEWNET) (run as root)");
		return -1;
	}
	return 0;
}

/* Runs a command quietly; fails the test when it fails. */
static void sh(const char *cmd)
{
	char line[512];

	snprintf(line, sizeof(line), "%s >/dev/null 2>&1", cmd);
	if (system(line) != 0)
		fail_msg("command failed: %s", cmd);
}

/* The check's verdict, with its explanation in why. */
static int check(char *why, size_t len)
{
	int ret = wg_netfilter_forward_rules(why, len);

	if (ret < 0)
		fail_msg("wg_netfilter_forward_rules: %s", strerror(-ret));
	return ret;
}

static void expect(int verdict, const char *text)
{
	char why[512];

	assert_int_equal(check(why, sizeof(why)), verdict);
	if (text && !strstr(why, text))
		fail_msg("'%s' not in '%s'", text, why);
	if (!verdict)
		assert_string_equal(why, "");
}

static void empty_namespace(void **state)
{
	(void)state;
	expect(0, NULL);
}

/* What iptables (iptables-nft on Debian 12) writes is nf_tables. */
static void iptables_nft(void **state)
{
	(void)state;
	sh("iptables-nft -A FORWARD -s 10.1.0.0/24 -j ACCEPT");
	sh("iptables-nft -A FORWARD -d 10.2.0.0/24 -j ACCEPT");
	expect(1, "nftables ip filter FORWARD: 2 rules");
	sh("iptables-nft -F FORWARD");
	expect(0, NULL);
	sh("iptables-nft -P FORWARD DROP");
	expect(1, "nftables ip filter FORWARD: policy DROP");
	sh("iptables-nft -P FORWARD ACCEPT");
	expect(0, NULL);
	/* mangle's FORWARD is on the same hook: a TCPMSS clamp lives there. */
	sh("iptables-nft -t mangle -A FORWARD -p tcp -j ACCEPT");
	expect(1, "nftables ip mangle FORWARD: 1 rule");
	sh("iptables-nft -t mangle -F FORWARD");
	sh("ip6tables-nft -P FORWARD DROP");
	expect(1, "nftables ip6 filter FORWARD: policy DROP");
}

static void nft_native(void **state)
{
	char why[512];

	(void)state;
	sh("nft add table inet t");
	/* An empty forward chain that accepts changes nothing. */
	sh("nft add chain inet t forw '{ type filter hook forward priority 0; policy accept; }'");
	expect(0, NULL);
	sh("nft add rule inet t forw ct state established accept");
	expect(1, "nftables inet t forw: 1 rule");
	/* Other hooks and families are not FORWARD. */
	sh("nft flush chain inet t forw");
	sh("nft add chain inet t inp '{ type filter hook input priority 0; policy drop; }'");
	sh("nft add rule inet t inp tcp dport 22 accept");
	sh("nft add table bridge b");
	sh("nft add chain bridge b forw '{ type filter hook forward priority 0; policy drop; }'");
	sh("nft add rule bridge b forw accept");
	expect(0, NULL);
	sh("nft add chain inet t forw2 '{ type filter hook forward priority 10; policy drop; }'");
	expect(1, "nftables inet t forw2: policy DROP");
	/* Two chains: both named; a short buffer truncates, never overflows. */
	sh("nft add rule inet t forw accept");
	assert_int_equal(check(why, sizeof(why)), 1);
	assert_non_null(strstr(why, "nftables inet t forw: 1 rule"));
	assert_non_null(strstr(why, "forw2: policy DROP"));
	assert_int_equal(check(why, 12), 1);
	assert_int_equal(strlen(why), 11);
}

static void legacy(void **state)
{
	(void)state;
	if (system("command -v iptables-legacy >/dev/null") != 0) {
		skip();
		return;
	}
	sh("iptables-legacy -A FORWARD -j ACCEPT");
	expect(1, "iptables-legacy filter FORWARD: 1 rule");
	sh("iptables-legacy -P FORWARD DROP");
	expect(1, "iptables-legacy filter FORWARD: 1 rule, policy DROP");
	sh("iptables-legacy -F FORWARD");
	sh("iptables-legacy -P FORWARD ACCEPT");
	/* A table that is loaded but empty, and a user chain, are not rules. */
	sh("iptables-legacy -N mine");
	sh("iptables-legacy -A mine -j ACCEPT");
	sh("iptables-legacy -A INPUT -j mine");
	expect(0, NULL);
	sh("iptables-legacy -t mangle -A FORWARD -j ACCEPT");
	expect(1, "iptables-legacy mangle FORWARD: 1 rule");
	sh("iptables-legacy -t mangle -F FORWARD");
	sh("ip6tables-legacy -P FORWARD DROP");
	expect(1, "ip6tables-legacy filter FORWARD: policy DROP");
	sh("ip6tables-legacy -P FORWARD ACCEPT");
	sh("ip6tables-legacy -A FORWARD -s fd00::/8 -j ACCEPT");
	sh("ip6tables-legacy -A FORWARD -s fd01::/16 -j DROP");
	expect(1, "ip6tables-legacy filter FORWARD: 2 rules");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup(fn, setup)
	const struct CMUnitTest tests[] = {
		T(empty_namespace),
		T(iptables_nft),
		T(nft_native),
		T(legacy),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
