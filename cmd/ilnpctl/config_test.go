package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/sys/unix"

	"github.com/ilnp-linux/ilnp/tools/ilnpnl"
)

func TestParseConfigSet(t *testing.T) {
	tests := []struct {
		args    string
		want    ilnpnl.ConfigChange
		wantErr string
	}{
		{args: "nonce-len 4", want: ilnpnl.ConfigChange{NonceLen: ptr(4)}},
		{args: "nonce-len 12", want: ilnpnl.ConfigChange{NonceLen: ptr(12)}},
		{args: "nonce-len 32", want: ilnpnl.ConfigChange{NonceLen: ptr(4)}},
		{args: "nonce-len 96", want: ilnpnl.ConfigChange{NonceLen: ptr(12)}},
		{args: "max-peers 16", want: ilnpnl.ConfigChange{MaxPeers: ptr(16)}},
		{args: "max-peers 1048576", want: ilnpnl.ConfigChange{MaxPeers: ptr(1 << 20)}},
		{args: "nonce-len 96 max-peers 65536", want: ilnpnl.ConfigChange{NonceLen: ptr(12), MaxPeers: ptr(65536)}},
		{args: "max-peers 65536 nonce-len 4", want: ilnpnl.ConfigChange{NonceLen: ptr(4), MaxPeers: ptr(65536)}},
		{args: "", wantErr: "nothing to set: give nonce-len 4|12|32|96, max-peers N or both"},
		{args: "nonce-len 8", wantErr: `nonce-len "8": the nonce length is 4 or 12 octets, or 32 or 96 bits`},
		{args: "nonce-len 0", wantErr: `nonce-len "0": the nonce length`},
		{args: "nonce-len 268", wantErr: `nonce-len "268": the nonce length`}, // 12 in a u8
		{args: "nonce-len 0x0c", wantErr: `nonce-len "0x0c": the nonce length`},
		{args: "nonce-len 96bits", wantErr: `nonce-len "96bits": the nonce length`},
		{args: "nonce-len -12", wantErr: `nonce-len "-12": the nonce length`},
		{args: "nonce-len", wantErr: "nonce-len: missing value"},
		{args: "max-peers 4096 nonce-len", wantErr: "nonce-len: missing value"},
		{args: "nonce-len 4 nonce-len 12", wantErr: "nonce-len given twice"},
		{args: "max-peers 20 max-peers 20", wantErr: "max-peers given twice"},
		{args: "max-peers 15", wantErr: `max-peers "15": the peer limit is a number from 16 to 1048576`},
		{args: "max-peers 1048577", wantErr: `max-peers "1048577": the peer limit is a number from 16 to 1048576`},
		{args: "max-peers 4294967312", wantErr: `max-peers "4294967312": the peer limit`}, // 16 in a u32
		{args: "max-peers many", wantErr: `max-peers "many": the peer limit`},
		{args: "nonce 12", wantErr: `unknown setting "nonce": one of nonce-len, max-peers`},
		{args: "12", wantErr: `unknown setting "12": one of nonce-len, max-peers`},
		{args: "nonce-len 12 96", wantErr: `unknown setting "96"`},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			got, err := parseConfigSet(strings.Fields(tt.args))
			if tt.wantErr != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				if !got.IsZero() {
					t.Errorf("a refused command line gave the change %s", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("change (-want +got):\n%s", diff)
			}
		})
	}
}

func TestConfigShow(t *testing.T) {
	tests := []struct {
		args string
		cfg  ilnpnl.Config
		want string
	}{
		{"config show", ilnpnl.Config{NID: 0xc, NonceLen: 4, MaxPeers: 4096},
			"nid 0:0:0:c\nnonce-len 4 (32 bits)\nmax-peers 4096\n"},
		{"config show", ilnpnl.Config{NID: mnNID, NonceLen: 12, MaxPeers: 1 << 20},
			"nid d250:99ff:fed1:5a0c\nnonce-len 12 (96 bits)\nmax-peers 1048576\n"},
		{"-j config show", ilnpnl.Config{NID: 0xc, NonceLen: 12, MaxPeers: 4096},
			`{"nid":"0:0:0:c","nonce_len":12,"nonce_bits":96,"max_peers":4096}` + "\n"},
		{"config show -j -p", ilnpnl.Config{NID: 0xc, NonceLen: 4, MaxPeers: 16},
			"{\n    \"nid\": \"0:0:0:c\",\n    \"nonce_len\": 4,\n    \"nonce_bits\": 32,\n    \"max_peers\": 16\n}\n"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %d", tt.args, tt.cfg.NonceLen), func(t *testing.T) {
			k := &fakeKernel{config: tt.cfg}
			code, stdout, stderr := execute(t, k, strings.Fields(tt.args)...)
			if code != exitOK || stderr != "" {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if stdout != tt.want {
				t.Errorf("stdout\n%q, want\n%q", stdout, tt.want)
			}
		})
	}
}

func TestConfigSet(t *testing.T) {
	tests := []struct {
		args       string
		setErr     error
		wantCode   int
		wantStderr string
		want       []ilnpnl.ConfigChange // what reached the kernel
	}{
		{args: "config set nonce-len 12", want: []ilnpnl.ConfigChange{{NonceLen: ptr(12)}}},
		{args: "config set nonce-len 32 max-peers 100", want: []ilnpnl.ConfigChange{{NonceLen: ptr(4), MaxPeers: ptr(100)}}},
		{args: "config set nonce-len 8", wantCode: exitUsage,
			wantStderr: "ilnpctl: config set: nonce-len \"8\": the nonce length is 4 or 12 octets, or 32 or 96 bits\nRun 'ilnpctl config set --help' for usage.\n"},
		{args: "config set", wantCode: exitUsage, wantStderr: "ilnpctl: config set: nothing to set"},
		{args: "config set max-peers 8", wantCode: exitUsage, wantStderr: `ilnpctl: config set: max-peers "8": the peer limit is a number from 16 to 1048576`},
		{args: "config set nonce-len 12", setErr: fmt.Errorf("ilnpnl: set nonce length 12: %w", unix.EPERM), wantCode: exitError,
			wantStderr: "ilnpctl: ilnpnl: set nonce length 12: operation not permitted\n"},
		{args: "config", wantCode: exitUsage, wantStderr: "ilnpctl: config: missing command: one of set, show\n"},
		{args: "config get", wantCode: exitUsage, wantStderr: `ilnpctl: config: unknown command "get": one of set, show`},
		{args: "config show now", wantCode: exitUsage, wantStderr: `ilnpctl: config show: unexpected argument "now"`},
		{args: "config set --help", wantCode: exitOK},
	}
	for _, tt := range tests {
		t.Run(tt.args, func(t *testing.T) {
			k := &fakeKernel{setErr: tt.setErr}
			code, _, stderr := execute(t, k, strings.Fields(tt.args)...)
			if code != tt.wantCode || !strings.HasPrefix(stderr, tt.wantStderr) || (tt.wantStderr == "") != (stderr == "") {
				t.Errorf("exit %d, stderr %q; want exit %d, stderr %q", code, stderr, tt.wantCode, tt.wantStderr)
			}
			if diff := cmp.Diff(tt.want, k.changes); diff != "" {
				t.Errorf("changes sent (-want +got):\n%s", diff)
			}
		})
	}
}
