// Package adversary holds the VM selftests of ILNP against an off-path
// attacker: EE, a host on a network of its own behind R4 in the paper's
// testbed (testbed.Options.Attacker), forges packets with raw and packet
// sockets (internal/lab/attack) while MN and CN, both ILNP hosts, run an
// iperf2 TCP transfer of a fixed size and an iperf2 UDP stream. Each row
// of TestAdversary is one kind of attack (issue 11's table); it passes
// when the session loses nothing, the victim's matching counter rises by
// exactly the packets of the attack, no other drop counter moves, and the
// two hosts' ILCC entries for each other are what they were. The tests
// carry the vmtest build tag and run in the guest.
package adversary
