package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/ilnp-linux/ilnp/tools/ilnpnl"
)

type nidJSON struct {
	NID string `json:"nid"`
}

func (a *app) nidShowCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "show",
		Short: "show the local NID",
		Long: `Show the namespace's local Node Identifier: the one set with 'nid set', or
by default the interface identifier of the first global address of the
namespace.

With -j: an object with the key nid.`,
		Example: "  ilnpctl nid show\n  ilnpctl -j nid show",
		Args:    nargs(0, 0),
		RunE: action(func(cmd *cobra.Command, _ []string) error {
			s, err := a.open()
			if err != nil {
				return err
			}
			defer s.Close()
			n, err := s.NID()
			if err != nil {
				return err
			}
			return a.output(nidJSON{NID: n.String()}, func(w io.Writer) error {
				_, err := io.WriteString(w, "nid "+n.String()+"\n")
				return err
			})
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
			var n ilnpnl.NID
			if argv[0] != "default" {
				var err error
				if n, err = parseNID(argv[0], false); err != nil {
					return usagef("nid set: %w", err)
				}
				if n == 0 {
					return usagef("nid set: %q: the NID 0 is not an identifier; use \"default\" to return to the default NID", argv[0])
				}
			}
			s, err := a.open()
			if err != nil {
				return err
			}
			defer s.Close()
			return s.SetNID(n)
		}),
	}
}
