package main

import (
	"strings"
	"testing"
)

// The MQTT gateway's limits are validated, with an error naming the flag.
func TestServeMQTTLimitFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string // "" for valid
	}{
		{[]string{"--mqtt-max-conns", "100", "--mqtt-max-pending-per-addr", "8", "--mqtt-connect-timeout", "5s"}, ""},
		{[]string{"--mqtt-max-conns", "0"}, ""},
		{[]string{"--mqtt-max-conns", "-1"}, "--mqtt-max-conns -1: "},
		{[]string{"--mqtt-max-pending-per-addr", "0"}, "--mqtt-max-pending-per-addr 0: "},
		{[]string{"--mqtt-connect-timeout", "0s"}, "--mqtt-connect-timeout 0s: "},
		{[]string{"--mqtt-connect-timeout", "1h"}, "--mqtt-connect-timeout 1h0m0s: "},
		{[]string{"--mqtt-connect-timeout", "soon"}, "invalid value \"soon\" for flag -mqtt-connect-timeout"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			err := serveFlagsError(tt.args, func(string) string { return "" })
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("error %v, want none", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}
