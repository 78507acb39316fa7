// Package bench measures ILNP against plain IPv6 on the same path in the
// same guest boot (make bench). Its tests carry the vmbench build tag:
// they print figures and are not part of make test.
package bench
