#!/bin/sh
# The EXAMPLES script of OpenBSD's wg(4), line for line, with `wg-xdp up`
# for `ifconfig wgN create`, `wg-xdp set` for the other ifconfig words and
# network namespaces for the rdomains:
#
#   +---------------------------+        +---------------------------+
#   | netns $NS1 ("rdomain 1")  |  veth  | netns $NS2 ("rdomain 2")  |
#   |  $VETH1 10.77.0.1/24      |--------|  $VETH2 10.77.0.2/24      |
#   |  $W1 192.168.5.1/24       |        |  $W2 192.168.5.2/24       |
#   +---------------------------+        +---------------------------+
#
# The endpoints are the veth addresses instead of 127.0.0.1 (the UDP
# tunnel crosses the veth, where XDP runs). Then `debug` / `-debug`.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_tools.sh"
trap e2e_cleanup EXIT
set -u

W1=wg1x$ID
W2=wg2x$ID
export WG_XDP_LOG=$TMP/wg-xdp.log
e2e_setup_pair

# The script, as written (each line one assertion).
# create interfaces; set random private keys
ok "create wg1 (rdomain 1)" n1 $WGXDP up $VETH1 -i $W1
ok "wg1 wgport 7111 wgkey" n1 $WGXDP set $W1 wgport 7111 wgkey `openssl rand -base64 32`
ok "create wg2 (rdomain 2)" n2 $WGXDP up $VETH2 -i $W2
ok "wg2 wgport 7222 wgkey" n2 $WGXDP set $W2 wgport 7222 wgkey `openssl rand -base64 32`
# retrieve the public keys associated with the private keys
PUB1="`n1 $WGXDP show $W1 | grep 'public key' | cut -d ' ' -f 5`"
PUB2="`n2 $WGXDP show $W2 | grep 'public key' | cut -d ' ' -f 5`"
ok "wg1 has a public key" [ ${#PUB1} -eq 44 ]
ok "wg2 has a public key" [ ${#PUB2} -eq 44 ]
ok "wg1 wgpeer wgendpoint wgaip" n1 $WGXDP set $W1 wgpeer $PUB2 wgendpoint 10.77.0.2 7222 wgaip 192.168.5.2/32
ok "wg2 wgpeer wgendpoint wgaip" n2 $WGXDP set $W2 wgpeer $PUB1 wgendpoint 10.77.0.1 7111 wgaip 192.168.5.1/32
ok "wg1 192.168.5.1/24" n1 $WGXDP set $W1 192.168.5.1/24
ok "wg2 192.168.5.2/24" n2 $WGXDP set $W2 192.168.5.2/24

# After this, ping one interface from the other:
ok "ping 192.168.5.2 from rdomain 1" n1 ping -c 3 -i 0.2 -W 2 192.168.5.2
ok "ping 192.168.5.1 from rdomain 2" n2 ping -c 3 -i 0.2 -W 2 192.168.5.1
# Show the listening sockets:
ok "wg1 listens on 7111" has ":7111 " n1 ss -lnu
ok "wg2 listens on 7222" has ":7222 " n2 ss -lnu

# What show says about it.
ok "wg1 show: listening port" has "listening port: 7111" n1 $WGXDP show $W1
ok "wg1 show: the peer" has "peer: $PUB2" n1 $WGXDP show $W1
ok "wg1 show: the endpoint" has "endpoint: 10.77.0.2:7222" n1 $WGXDP show $W1
ok "wg1 show: the allowed IP" has "allowed ips: 192.168.5.2/32" n1 $WGXDP show $W1
ok "wg1 show: a handshake" has "latest handshake:" n1 $WGXDP show $W1
ok "wg1 show: the data path" has "data path: xdp" n1 $WGXDP show $W1
ok "wg1 has the address" has "192.168.5.1/24" n1 ip -4 addr show dev $W1

# debug / -debug (wg(4) DIAGNOSTICS: ifconfig wgN debug).
ok "debug is off at first" has "debug: off" n1 $WGXDP show $W1
ok "wg1 debug" n1 $WGXDP set $W1 debug
ok "show says debug: on" has "debug: on" n1 $WGXDP show $W1
ok "traffic with debug on" n1 ping -c 2 -i 0.2 -W 2 192.168.5.2
ok "wg1 -debug" n1 $WGXDP set $W1 -debug
ok "show says debug: off" has "debug: off" n1 $WGXDP show $W1
ok "traffic with debug off" n1 ping -c 2 -i 0.2 -W 2 192.168.5.2
ok "wg2 debug does not touch wg1" n2 $WGXDP set $W2 debug
ok "wg2 show says debug: on" has "debug: on" n2 $WGXDP show $W2
ok "wg1 still says debug: off" has "debug: off" n1 $WGXDP show $W1

# -wgpeer removes the peer: traffic stops.
ok "wg1 -wgpeer" n1 $WGXDP set $W1 -wgpeer $PUB2
ok "wg1 has no peer" fails has "peer: $PUB2" n1 $WGXDP show $W1
ok "no traffic without the peer" fails n1 ping -c 2 -i 0.2 -W 1 192.168.5.2
ok "down wg1" n1 $WGXDP down $W1
ok "down wg2" n2 $WGXDP down $W2
e2e_summary
