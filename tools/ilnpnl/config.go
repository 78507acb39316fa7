package ilnpnl

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/mdlayher/netlink"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
)

// Config is the namespace's ILNP settings, as ILNP_CMD_CONFIG_GET reports
// them.
type Config struct {
	NID ilnp.NID
	// NonceLen is the length in octets of the nonces the host chooses
	// for the sessions it creates from now on: ilnp.NonceLen32 (4, the
	// default) or ilnp.NonceLen96 (12). Sessions keep the length they
	// were created with.
	NonceLen int
	// MaxPeers is the number of entries the ILCC keeps at most.
	MaxPeers int
}

// ConfigChange is what SetConfig changes; a nil field is left as it is.
type ConfigChange struct {
	NID      *ilnp.NID // 0 returns to the default NID
	NonceLen *int      // ilnp.NonceLen32 or ilnp.NonceLen96
	MaxPeers *int      // the kernel takes 16 to 1048576
}

// IsZero reports whether the change changes nothing.
func (ch ConfigChange) IsZero() bool {
	return ch.NID == nil && ch.NonceLen == nil && ch.MaxPeers == nil
}

// String describes the change: "nonce length 12, max peers 4096".
func (ch ConfigChange) String() string {
	var parts []string
	if ch.NID != nil {
		parts = append(parts, "NID "+ch.NID.String())
	}
	if ch.NonceLen != nil {
		parts = append(parts, "nonce length "+strconv.Itoa(*ch.NonceLen))
	}
	if ch.MaxPeers != nil {
		parts = append(parts, "max peers "+strconv.Itoa(*ch.MaxPeers))
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, ", ")
}

// check refuses what the attributes cannot carry, so that a value is
// never truncated on the way: an empty change, a nonce length other than
// 4 or 12 (a u8) and a peer limit outside a u32.
func (ch ConfigChange) check() error {
	switch {
	case ch.IsZero():
		return errors.New("nothing to set")
	case ch.NonceLen != nil && *ch.NonceLen != ilnp.NonceLen32 && *ch.NonceLen != ilnp.NonceLen96:
		return fmt.Errorf("nonce length %d octets: want %d or %d", *ch.NonceLen, ilnp.NonceLen32, ilnp.NonceLen96)
	case ch.MaxPeers != nil && (*ch.MaxPeers < 0 || *ch.MaxPeers > math.MaxUint32):
		return fmt.Errorf("max peers %d: not a u32", *ch.MaxPeers)
	}
	return nil
}

// encode writes the attributes of ILNP_CMD_CONFIG_SET for the fields set.
func (ch ConfigChange) encode(ae *netlink.AttributeEncoder) {
	if ch.NID != nil {
		encodeBE64(ae, attrNID, uint64(*ch.NID))
	}
	if ch.NonceLen != nil {
		ae.Uint8(attrNonceLen, uint8(*ch.NonceLen))
	}
	if ch.MaxPeers != nil {
		ae.Uint32(attrMaxPeers, uint32(*ch.MaxPeers))
	}
}

// Config returns the namespace's settings.
func (c *Client) Config() (Config, error) {
	const op = "get config"
	msgs, err := c.query(op, cmdConfigGet, netlink.Request, nil)
	if err != nil {
		return Config{}, err
	}
	for _, m := range msgs {
		if m.nid == nil && m.nonceLen == nil && m.maxPeers == nil {
			continue
		}
		return configFrom(m)
	}
	return Config{}, fmt.Errorf("ilnpnl: %s: reply has no settings", op)
}

// configFrom takes the settings of a reply, which must carry them all.
func configFrom(m message) (Config, error) {
	const op = "get config"
	switch {
	case m.nid == nil:
		return Config{}, fmt.Errorf("ilnpnl: %s: reply has no NID", op)
	case m.nonceLen == nil:
		return Config{}, fmt.Errorf("ilnpnl: %s: reply has no nonce length", op)
	case m.maxPeers == nil:
		return Config{}, fmt.Errorf("ilnpnl: %s: reply has no peer limit", op)
	}
	return Config{NID: *m.nid, NonceLen: *m.nonceLen, MaxPeers: *m.maxPeers}, nil
}

// SetConfig changes the settings of ch that are not nil, in one request:
// the kernel applies all or none. A nonce length applies to the sessions
// created after it. Needs CAP_NET_ADMIN.
func (c *Client) SetConfig(ch ConfigChange) error {
	op := "set " + ch.String()
	if err := ch.check(); err != nil {
		return fmt.Errorf("ilnpnl: %s: %w", op, err)
	}
	return c.do(op, cmdConfigSet, func(ae *netlink.AttributeEncoder) { ch.encode(ae) })
}
