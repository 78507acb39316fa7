package testbed

import (
	"strings"
	"testing"
	"time"
)

func TestLinkNetemArgs(t *testing.T) {
	for _, tt := range []struct {
		name string
		link Link
		want string
	}{
		// 8e6 bit/s * 105 ms / 12112 bit = 69.4 packets.
		{"fast", Link{Rate: 8e6, Delay: 5 * time.Millisecond},
			"qdisc replace dev aa root netem delay 5000us rate 8000000bit limit 70"},
		{"medium", Link{Rate: 4e6, Delay: 15 * time.Millisecond},
			"qdisc replace dev aa root netem delay 15000us rate 4000000bit limit 38"},
		// 11.6 packets: above the floor.
		{"slow", Link{Rate: 1e6, Delay: 40 * time.Millisecond},
			"qdisc replace dev aa root netem delay 40000us rate 1000000bit limit 12"},
		{"floor", Link{Rate: 1e6, Delay: time.Millisecond, Queue: 10 * time.Millisecond},
			"qdisc replace dev aa root netem delay 1000us rate 1000000bit limit 10"},
		{"own queue", Link{Rate: 4e6, Delay: 5 * time.Millisecond, Queue: 295 * time.Millisecond},
			"qdisc replace dev aa root netem delay 5000us rate 4000000bit limit 100"},
		{"delay only", Link{Delay: 20 * time.Millisecond},
			"qdisc replace dev aa root netem delay 20000us limit 10000"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.Join(tt.link.netemArgs("aa"), " "); got != tt.want {
				t.Errorf("tc %s\nwant tc %s", got, tt.want)
			}
		})
	}
}
