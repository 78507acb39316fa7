package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
	"github.com/ilnp-linux/ilnp/tools/ilnpctl/view"
)

func (a *app) nidShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "show",
		Short: "show the local NID",
		Long: `Show the namespace's local Node Identifier: the one set with 'nid set', or
by default the interface identifier of the first global address of the
namespace (with handoff_mode set, of the first address SLAAC formed when
the host attached to several networks at once).

With -j: an object with the key nid.`,
		Example: "  ilnpctl nid show\n  ilnpctl -j nid show",
		Args:    nargs(0, 0),
		RunE: query(a, func(s *session) (ilnp.NID, error) { return s.NID() },
			func(n ilnp.NID) any { return view.LocalNID{NID: n} },
			func(w io.Writer, n ilnp.NID) error {
				_, err := io.WriteString(w, "nid "+n.String()+"\n")
				return err
			}),
	}
}

func (a *app) nidSetCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "set NID|default",
		Short: "set the local NID",
		Long: `Set the namespace's local Node Identifier. NID is the low 64 bits of the
host's IL-Vs, written as four hexadecimal groups (d250:99ff:fed1:5a0c or
d250-99ff-fed1-5a0c) or as an IPv6 address whose upper 64 bits are zero
(::c). "default" returns to the interface identifier of the namespace's
first global address.

Needs CAP_NET_ADMIN.`,
		Example: "  ilnpctl nid set ::c\n  ilnpctl nid set d250:99ff:fed1:5a0c\n  ilnpctl nid set default",
		Args:    nargs(1, 1),
		RunE: action(func(cmd *cobra.Command, argv []string) error {
			var n ilnp.NID
			if argv[0] != "default" {
				var err error
				if n, err = parseNID(argv[0], false); err != nil {
					return usagef("nid set: %w", err)
				}
				if n == 0 {
					return usagef("nid set: %q: the NID 0 is not an identifier; use \"default\" to return to the default NID", argv[0])
				}
			}
			return a.withSession(func(s *session) error { return s.SetNID(n) })
		}),
	}
}
