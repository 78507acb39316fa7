package ilnpnl

// zz_generated.go holds the family's numbers and the counter table as the
// kernel series in patches/ defines them (include/uapi/linux/ilnp.h,
// Documentation/netlink/specs/ilnp.yaml). Regenerate it whenever the
// series changes; TestGenerated in internal/gen fails until then.
//go:generate go run ./internal/gen -patches ../../patches -out zz_generated.go
