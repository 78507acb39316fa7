// Package bench measures ILNP against plain IPv6 in the same guest boot
// (make bench): on one path, and on the multihomed testbed with ILNP on
// one and on three paths. Its tests carry the vmbench build tag: they
// print figures and are not part of make test.
package bench
