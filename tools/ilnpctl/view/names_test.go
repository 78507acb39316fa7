package view

import (
	"encoding/json"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/ilnp-linux/ilnp/tools/ilnpdns"
)

func TestNameOf(t *testing.T) {
	at := time.Date(2026, 12, 3, 12, 0, 1, 234567000, time.UTC)
	tests := []struct {
		name string
		h    ilnpdns.Host
		want string
	}{{
		name: "ILNP",
		h: ilnpdns.Host{Name: "cn.example.", TTL: 5 * time.Second,
			NIDs:     []ilnpdns.Identifier{{NID: 0xc, Preference: 10, TTL: 5 * time.Second}},
			Locators: []ilnpdns.Locator{{L64: 0x2001_0002_00dd_00dd, Preference: 10, TTL: 5 * time.Second}, {L64: 0x2001_0002_00bb_00bb, Preference: 20, TTL: 30 * time.Second, Via: "bb.nets.example."}}},
		want: `{"name":"cn.example.","ilnp":true,"nids":[{"nid":"0:0:0:c","preference":10,"ttl":5}],"locators":[{"l64":"2001:2:dd:dd","preference":10,"ttl":5},{"l64":"2001:2:bb:bb","preference":20,"ttl":30,"via":"bb.nets.example."}],"ilvs":["2001:2:dd:dd::c","2001:2:bb:bb::c"],"ttl":5,"resolved":"2026-12-03T12:00:01.234567Z","expires":"2026-12-03T12:00:06.234567Z"}`,
	}, {
		name: "plain IPv6",
		h:    ilnpdns.Host{Name: "v6.example.", TTL: time.Minute, AAAA: []netip.Addr{netip.MustParseAddr("2001:db8::6")}},
		want: `{"name":"v6.example.","ilnp":false,"nids":[],"locators":[],"ilvs":[],"aaaa":["2001:db8::6"],"ttl":60,"resolved":"2026-12-03T12:00:01.234567Z","expires":"2026-12-03T12:01:01.234567Z"}`,
	}}
	for _, tt := range tests {
		b, err := json.Marshal(NameOf(tt.h, at))
		if err != nil || string(b) != tt.want {
			t.Errorf("%s: %s, %v\nwant %s", tt.name, b, err, tt.want)
		}
		var back Name
		if err := json.Unmarshal(b, &back); err != nil {
			t.Errorf("%s: decode: %v", tt.name, err)
		}
	}
}

func TestPublishedOf(t *testing.T) {
	at := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	s := ilnpdns.State{NID: 0xc, Locators: []ilnpdns.Locator{{L64: 0x2001_0002_00ff_00ff}}}
	tests := []struct {
		r    ilnpdns.Report
		want string
	}{{
		r:    ilnpdns.Report{State: s, Took: 5870 * time.Microsecond},
		want: `{"time":"2026-12-03T12:00:00.000000Z","event":"published","name":"cn.example.","nid":"0:0:0:c","locators":[{"l64":"2001:2:ff:ff","preference":0}],"took_us":5870}`,
	}, {
		r:    ilnpdns.Report{State: s, Took: time.Millisecond, Err: errors.New("refused"), Retry: 250 * time.Millisecond},
		want: `{"time":"2026-12-03T12:00:00.000000Z","event":"failed","name":"cn.example.","nid":"0:0:0:c","locators":[{"l64":"2001:2:ff:ff","preference":0}],"took_us":1000,"error":"refused","retry_ms":250}`,
	}}
	for _, tt := range tests {
		if b, err := json.Marshal(PublishedOf("cn.example.", tt.r, at)); err != nil || string(b) != tt.want {
			t.Errorf("%s, %v\nwant %s", b, err, tt.want)
		}
	}
}
