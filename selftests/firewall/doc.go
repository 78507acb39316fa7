// Package firewall holds the VM selftests of ILNP through stateful
// firewalls (paper section 7.4): nftables with connection tracking, set
// up as firewalld and ufw set it up (internal/lab/firewall), with
// transport checksums complete on the wire so that connection tracking
// really verifies them.
//
// TestRouterFirewall shows why a session's TCP and UDP checksums are
// IPv6's by default (draft-bhatti-ilnp-tcp-udp-checksums): under RFC
// 6740's NID-only rule (net.ipv6.ilnp_nid_checksum=1) the firewall on R4
// drops the first SYN as invalid. TestFirewallDuality runs the paper's
// procedure, TCP and UDP, through the firewall on R4, set up as
// docs/firewalls.md says, with the bounds of the multihoming tests;
// TestHostFirewallDuality runs it with the firewall of a host on MN and
// CN themselves, TCP tracked strictly, besides R4's, which passes only if
// each end's
// connection tracking sees one connection per flow whatever locators it
// takes. The tests carry the vmtest build tag.
package firewall
