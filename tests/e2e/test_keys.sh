#!/bin/sh
# Keys: `wg-xdp genkey`/`pubkey`/`genpsk` agree with wg(8) from
# wireguard-tools. No namespaces, no traffic.

. "$(dirname "$0")/lib.sh"
e2e_trap

# same_pubkey KEY: wg-xdp and wg derive the same public key from KEY.
same_pubkey() {
	a=$(echo "$1" | "$WGXDP" pubkey) || return 1
	b=$(echo "$1" | wg pubkey) || return 1
	eq "$a" "$b"
}

is_key() {
	echo "$1" | grep -Eqx '[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]='
}

# 20 keys each way (5 under E2E_QUICK=1).
KEYS=$(quick 20 5)
i=0
same=0
while [ $i -lt $KEYS ]; do
	k=$(wg genkey)
	same_pubkey "$k" && same=$((same + 1))
	i=$((i + 1))
done
ok "wg-xdp pubkey = wg pubkey for $KEYS keys from wg genkey" eq $same $KEYS

i=0
same=0
while [ $i -lt $KEYS ]; do
	k=$("$WGXDP" genkey)
	is_key "$k" && same_pubkey "$k" && same=$((same + 1))
	i=$((i + 1))
done
ok "wg-xdp genkey: $KEYS valid keys wg pubkey accepts alike" eq $same $KEYS

ok "wg-xdp genkey | wg pubkey" sh -c "'$WGXDP' genkey | wg pubkey"
ok "wg-xdp genkey gives a new key each time" \
	not eq "$("$WGXDP" genkey)" "$("$WGXDP" genkey)"
ok "wg-xdp genpsk is a 32-byte base64 key" is_key "$("$WGXDP" genpsk)"
# An unclamped key: both clamp the same way.
ok "unclamped key: same public key" \
	same_pubkey "//////////////////////////////////////////8="
ok "all-zero key: same public key" \
	same_pubkey "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
ok "pubkey rejects a short key" not sh -c "echo abcd | '$WGXDP' pubkey"
ok "pubkey rejects non-base64" \
	not sh -c "echo '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!=' | '$WGXDP' pubkey"

e2e_summary
