package storeerr_test

import (
	"errors"
	"testing"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/internal/storeerr"
)

func TestWrap(t *testing.T) {
	driver := errors.New("driver says no")
	tests := []struct {
		name, code string
		msgs       map[string]string
		wantCode   string
		wantMsg    string
	}{
		{"no domain meaning", "", nil, hearth.EINTERNAL, ""},
		{"default message", hearth.ECONFLICT, nil, hearth.ECONFLICT, "that exists already"},
		{"caller's message", hearth.ENOTFOUND, map[string]string{hearth.ENOTFOUND: "no such person"}, hearth.ENOTFOUND, "no such person"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := storeerr.Wrap("insert person", driver, tt.code, tt.msgs)
			if !errors.Is(err, driver) {
				t.Errorf("Wrap lost the driver error: %v", err)
			}
			if got := hearth.ErrorCode(err); got != tt.wantCode {
				t.Errorf("code %q, want %q", got, tt.wantCode)
			}
			var he *hearth.Error
			if errors.As(err, &he) && he.Message != tt.wantMsg {
				t.Errorf("message %q, want %q", he.Message, tt.wantMsg)
			}
		})
	}
	if err := storeerr.Wrap("op", nil, hearth.ECONFLICT, nil); err != nil {
		t.Errorf("Wrap(nil) = %v, want nil", err)
	}
	if err := storeerr.NotFound("select", driver, "gone"); hearth.ErrorCode(err) != hearth.ENOTFOUND || !errors.Is(err, driver) {
		t.Errorf("NotFound = %v", err)
	}
}
