package main

import (
	"strings"
	"testing"
)

// The MQTT gateway's and HTTP server's limits, the trusted proxies and the
// metrics token are validated, with an error naming the flag (SEC-BRUTE).
func TestServeLimitFlags(t *testing.T) {
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
		{[]string{"--http-max-conns", "10", "--http-read-timeout", "30s"}, ""},
		{[]string{"--http-max-conns", "0"}, "--http-max-conns 0: "},
		{[]string{"--http-read-timeout", "500ms"}, "--http-read-timeout 500ms: "},
		{[]string{"--http-read-timeout", "2h"}, "--http-read-timeout 2h0m0s: "},
		{[]string{"--trusted-proxies", "10.0.0.0/8, 192.0.2.7,::1"}, ""},
		{[]string{"--trusted-proxies", "10.0.0.0/8,proxy.local"}, `"proxy.local" is neither an IP address nor a network`},
		{[]string{"--proxy-protocol", "10.0.0.0/8, 192.0.2.7,::1"}, ""},
		{[]string{"--proxy-protocol", "10.0.0.0/33"}, `--proxy-protocol "10.0.0.0/33": "10.0.0.0/33" is neither`},
		{[]string{"--metrics-token", "short"}, "--metrics-token: give at least 32 characters"},
		{[]string{"--metrics-addr", "0.0.0.0:9100"}, "--metrics-addr \"0.0.0.0:9100\": refusing plaintext"},
		{[]string{"--metrics-addr", "127.0.0.1:9100"}, ""},
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
