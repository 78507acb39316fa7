// Package ilnpdns finds ILNP correspondents in the DNS and keeps a mobile
// host's records there current.
//
// Lookup side (RFC 6742): a Resolver asks for a name's NID records and,
// when it has some, its L64 records and its LP records, following each LP
// to the L64 records of the FQDN it names. The answer is a Host: its
// NIDs, every locator with its preference and the TTL it may be kept
// for, or, for a name with no NID record, its AAAA addresses for plain
// IPv6.
//
// Publication side (RFC 2136 dynamic update signed with TSIG, RFC 8945,
// as RFC 3007 secures it): a Publisher replaces the L64 set of one name
// in its zone with a host's current locators, adds the host's NID record
// if it is missing, and touches no other record. Publisher.Run follows a
// Source of locator changes (the kernel's, in ilnpctl dns publish) and
// retries with backoff while the server cannot be reached.
//
// The package holds no global state; the DNS messages are those of
// github.com/miekg/dns.
package ilnpdns
