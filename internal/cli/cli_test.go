package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"testing"
)

func TestExitError(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		status  int
		message string
	}{
		{"nil", nil, 0, ""},
		{"plain error: the default", errors.New("boom"), 7, "boom"},
		{"with a status", Exit(2, errors.New("bad flag")), 2, "bad flag"},
		{"formatted", Exitf(1, "open %s: %w", "x", fs.ErrNotExist), 1, "open x: file does not exist"},
		{"wrapped", fmt.Errorf("stats: %w", Exit(3, errors.New("refused"))), 3, "stats: refused"},
		{"said it all", Exit(1, nil), 1, ""},
		{"said it all, wrapped", fmt.Errorf("ctx: %w", Exit(4, nil)), 4, ""},
	}
	for _, tt := range tests {
		if got := Status(tt.err, 7); got != tt.status {
			t.Errorf("%s: Status = %d, want %d", tt.name, got, tt.status)
		}
		if tt.err == nil {
			continue
		}
		if got := Message(tt.err); got != tt.message {
			t.Errorf("%s: Message = %q, want %q", tt.name, got, tt.message)
		}
	}
	if err := Exitf(1, "open: %w", fs.ErrNotExist); !errors.Is(err, fs.ErrNotExist) {
		t.Error("Exitf does not wrap")
	}
	if s := Exit(5, nil).Error(); s != "exit status 5" {
		t.Errorf("Error() without Err = %q", s)
	}
}
