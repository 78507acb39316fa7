package ilnpnl

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// uapiHeaderPath is where the kernel series creates the header.
const uapiHeaderPath = "include/uapi/linux/ilnp.h"

// goStrings and goInts map every name of include/uapi/linux/ilnp.h to
// the Go constant that mirrors it.
var (
	goStrings = map[string]string{
		"ILNP_GENL_NAME":         FamilyName,
		"ILNP_GENL_EVENTS_GROUP": EventsGroup,
	}
	goInts = map[string]int64{
		"ILNP_GENL_VERSION": FamilyVersion,

		"ILNP_ICMPV6_LU":           ICMPv6TypeLU,
		"ILNP_LU_OP_ADVERTISEMENT": LUOpAdvertisement,
		"ILNP_LU_OP_ACK":           LUOpAck,
		"ILNP_LU_REPLACE_SOFT":     LUReplaceSoft,

		"ILNP_NONCE_LEN_SHORT": NonceLenShort,
		"ILNP_NONCE_LEN_LONG":  NonceLenLong,

		"ILNP_LOC_STATE_VALID":  int64(LocatorValid),
		"ILNP_LOC_STATE_ACTIVE": int64(LocatorActive),

		"ILNP_PEER_F_STATIC":    int64(PeerStatic),
		"ILNP_PEER_F_LEARNED":   int64(PeerLearned),
		"ILNP_PEER_F_IPV6_ONLY": int64(PeerIPv6Only),

		"ILNP_A_UNSPEC":     int64(attrUnspec),
		"ILNP_A_NID":        int64(attrNID),
		"ILNP_A_PEER":       int64(attrPeer),
		"ILNP_A_LOCATOR":    int64(attrLocator),
		"ILNP_A_STATS":      int64(attrStats),
		"ILNP_A_EVENT":      int64(attrEvent),
		"ILNP_A_NONCE_LEN":  int64(attrNonceLen),
		"ILNP_A_PAD":        int64(attrPad),
		"ILNP_A_LU_RETRIES": int64(attrLURetries),
		"ILNP_A_LU_RTT_US":  int64(attrLURTTUS),

		"ILNP_PEER_A_UNSPEC":     int64(peerAttrUnspec),
		"ILNP_PEER_A_NID":        int64(peerAttrNID),
		"ILNP_PEER_A_LOCATOR":    int64(peerAttrLocator),
		"ILNP_PEER_A_FLAGS":      int64(peerAttrFlags),
		"ILNP_PEER_A_LOCAL_ILV":  int64(peerAttrLocalILV),
		"ILNP_PEER_A_REMOTE_ILV": int64(peerAttrRemoteILV),
		"ILNP_PEER_A_NONCE_TX":   int64(peerAttrNonceTx),
		"ILNP_PEER_A_NONCE_RX":   int64(peerAttrNonceRx),
		"ILNP_PEER_A_IDLE_MS":    int64(peerAttrIdleMS),
		"ILNP_PEER_A_STATS":      int64(peerAttrStats),
		"ILNP_PEER_A_PAD":        int64(peerAttrPad),
		"ILNP_PEER_A_LU_PENDING": int64(peerAttrLUPending),

		"ILNP_LOC_A_UNSPEC":     int64(locAttrUnspec),
		"ILNP_LOC_A_L64":        int64(locAttrL64),
		"ILNP_LOC_A_IFINDEX":    int64(locAttrIfindex),
		"ILNP_LOC_A_STATE":      int64(locAttrState),
		"ILNP_LOC_A_PREFERENCE": int64(locAttrPreference),
		"ILNP_LOC_A_LIFETIME":   int64(locAttrLifetime),
		"ILNP_LOC_A_DRR_SCORE":  int64(locAttrDRRScore),
		"ILNP_LOC_A_TX_PACKETS": int64(locAttrTxPackets),
		"ILNP_LOC_A_TX_BYTES":   int64(locAttrTxBytes),
		"ILNP_LOC_A_RX_PACKETS": int64(locAttrRxPackets),
		"ILNP_LOC_A_RX_BYTES":   int64(locAttrRxBytes),
		"ILNP_LOC_A_PAD":        int64(locAttrPad),

		"ILNP_STATS_A_UNSPEC":           int64(statsAttrUnspec),
		"ILNP_STATS_A_PAD":              int64(statsAttrPad),
		"ILNP_STATS_A_PKTS_IN":          int64(statsAttrPktsIn),
		"ILNP_STATS_A_PKTS_OUT":         int64(statsAttrPktsOut),
		"ILNP_STATS_A_BAD_NONCE":        int64(statsAttrBadNonce),
		"ILNP_STATS_A_NO_SESSION":       int64(statsAttrNoSession),
		"ILNP_STATS_A_LU_SENT":          int64(statsAttrLUSent),
		"ILNP_STATS_A_LU_RECEIVED":      int64(statsAttrLUReceived),
		"ILNP_STATS_A_LU_ACKED":         int64(statsAttrLUAcked),
		"ILNP_STATS_A_LU_RETRANSMITTED": int64(statsAttrLURetransmitted),
		"ILNP_STATS_A_LU_FAILED":        int64(statsAttrLUFailed),
		"ILNP_STATS_A_LU_MALFORMED":     int64(statsAttrLUMalformed),
		"ILNP_STATS_A_FALLBACKS":        int64(statsAttrFallbacks),
		"ILNP_STATS_A_SESSIONS_CREATED": int64(statsAttrSessionsCreated),
		"ILNP_STATS_A_SESSIONS_EXPIRED": int64(statsAttrSessionsExpired),

		"ILNP_CMD_UNSPEC":      int64(cmdUnspec),
		"ILNP_CMD_PEER_ADD":    int64(cmdPeerAdd),
		"ILNP_CMD_PEER_DEL":    int64(cmdPeerDel),
		"ILNP_CMD_PEER_GET":    int64(cmdPeerGet),
		"ILNP_CMD_NID_GET":     int64(cmdNIDGet),
		"ILNP_CMD_NID_SET":     int64(cmdNIDSet),
		"ILNP_CMD_LOCATOR_GET": int64(cmdLocatorGet),
		"ILNP_CMD_STATS_GET":   int64(cmdStatsGet),
		"ILNP_CMD_EVENT":       int64(cmdEvent),

		"ILNP_EVENT_UNSPEC":           int64(EventUnspec),
		"ILNP_EVENT_SESSION_CREATED":  int64(EventSessionCreated),
		"ILNP_EVENT_SESSION_EXPIRED":  int64(EventSessionExpired),
		"ILNP_EVENT_NONCE_MISMATCH":   int64(EventNonceMismatch),
		"ILNP_EVENT_LU_SENT":          int64(EventLUSent),
		"ILNP_EVENT_LU_RECEIVED":      int64(EventLUReceived),
		"ILNP_EVENT_LU_ACKED":         int64(EventLUAcked),
		"ILNP_EVENT_LU_RETRANSMITTED": int64(EventLURetransmitted),
		"ILNP_EVENT_LU_FAILED":        int64(EventLUFailed),
		"ILNP_EVENT_LOCATOR_STATE":    int64(EventLocatorState),
		"ILNP_EVENT_FALLBACK":         int64(EventFallback),
	}
)

// TestUAPIConstants compares every #define and enum member of the UAPI
// header with the Go constants. The header is read from the patch series
// (the source of truth) or, until the patch exists, from the file that
// $ILNP_UAPI_HEADER names; with neither the test fails.
func TestUAPIConstants(t *testing.T) {
	text, source := uapiHeader(t)
	h, err := parseHeader(text)
	if err != nil {
		t.Fatalf("parse %s: %v", source, err)
	}
	sentinels := h.sentinels()
	t.Logf("checking %d names from %s (%d enum size sentinels not mirrored)",
		len(h.ints)+len(h.strs)-len(sentinels), source, len(sentinels))
	if len(h.ints) < len(goInts) {
		t.Errorf("the header yielded %d numeric names, fewer than the %d Go constants: is the parser broken?", len(h.ints), len(goInts))
	}

	seen := map[string]bool{}
	for _, name := range slices.Sorted(maps.Keys(h.strs)) {
		v := h.strs[name]
		seen[name] = true
		want, ok := goStrings[name]
		switch {
		case !ok:
			t.Errorf("%s = %q in the header has no Go constant: add it to uapi.go and to goStrings", name, v)
		case want != v:
			t.Errorf("%s = %q in the header, but the Go constant is %q", name, v, want)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(h.ints)) {
		v := h.ints[name]
		seen[name] = true
		if sentinels[name] {
			continue
		}
		want, ok := goInts[name]
		switch {
		case !ok:
			t.Errorf("%s = %d in the header has no Go constant: add it to uapi.go and to goInts", name, v)
		case want != v:
			t.Errorf("%s = %d in the header, but the Go constant is %d", name, v, want)
		}
	}
	var stale []string
	for name := range goStrings {
		if !seen[name] {
			stale = append(stale, name)
		}
	}
	for name := range goInts {
		if !seen[name] {
			stale = append(stale, name)
		}
	}
	slices.Sort(stale)
	for _, name := range stale {
		t.Errorf("%s has a Go constant but is not in the header any more", name)
	}
}

// uapiHeader returns the text of the UAPI header and where it came from.
func uapiHeader(t *testing.T) (text, source string) {
	t.Helper()
	dir := filepath.Join("..", "..", "patches")
	text, patch, err := headerFromPatches(dir, uapiHeaderPath)
	if err != nil {
		t.Fatalf("read %s from the series in %s: %v", uapiHeaderPath, dir, err)
	}
	if patch != "" {
		return text, patch
	}
	if env := os.Getenv("ILNP_UAPI_HEADER"); env != "" {
		b, err := os.ReadFile(env)
		if err != nil {
			t.Fatalf("ILNP_UAPI_HEADER: %v", err)
		}
		t.Logf("no patch in %s adds %s yet; using $ILNP_UAPI_HEADER", dir, uapiHeaderPath)
		return string(b), env
	}
	tree, _ := filepath.Abs(filepath.Join("..", "..", "build", "linux", uapiHeaderPath))
	t.Fatalf("no patch in %s adds %s, so the Go constants cannot be checked against it.\n"+
		"Until the patch is exported (make patches), point ILNP_UAPI_HEADER at the work tree's copy:\n"+
		"\tILNP_UAPI_HEADER=%s go test ./tools/ilnpnl/", dir, uapiHeaderPath, tree)
	return "", ""
}
