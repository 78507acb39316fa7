package ilnpnl

import (
	"testing"

	"github.com/ilnp-linux/ilnp/tools/ilnp"
)

// TestWireConstants: the wire numbers the UAPI header repeats for its
// users are package ilnp's protocol numbers.
func TestWireConstants(t *testing.T) {
	tests := []struct {
		name       string
		uapi, want int
	}{
		{"ILNP_LU_OP_ADVERTISEMENT", uapiLUOpAdvertisement, int(ilnp.LUAdvertisement)},
		{"ILNP_LU_OP_ACK", uapiLUOpAck, int(ilnp.LUAck)},
		{"ILNP_LU_OP_PROBE", uapiLUOpProbe, int(ilnp.LUProbe)},
		{"ILNP_LU_OP_PROBE_REPLY", uapiLUOpProbeReply, int(ilnp.LUProbeReply)},
		{"ILNP_LU_REPLACE_SOFT", uapiLUReplaceSoft, ilnp.LUCodeReplaceSoft},
		{"ILNP_NONCE_LEN_SHORT", uapiNonceLenShort, ilnp.NonceLen32},
		{"ILNP_NONCE_LEN_LONG", uapiNonceLenLong, ilnp.NonceLen96},
	}
	for _, tt := range tests {
		if tt.uapi != tt.want {
			t.Errorf("%s is %d in the header, %d in package ilnp", tt.name, tt.uapi, tt.want)
		}
	}
}
