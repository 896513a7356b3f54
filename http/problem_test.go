package http

import (
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/auth"
	"github.com/hearth-iot/hearth/metrics"
)

// SEC-BRUTE: a request refused because every password-hashing slot stayed
// busy gets 503 with the service's Retry-After.
func TestHashBusyIs503WithRetryAfter(t *testing.T) {
	s := &server{Config: Config{Metrics: metrics.NewUnregistered(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}}
	w := httptest.NewRecorder()
	err := &hearth.Error{Code: hearth.EUNAVAILABLE, Message: "busy", Err: &auth.RetryAfterError{After: 2 * time.Second}}
	s.writeError(w, httptest.NewRequest("POST", "/v1/sessions", nil), err)
	if w.Code != 503 || w.Header().Get("Retry-After") != "2" {
		t.Errorf("status %d, Retry-After %q; want 503 and 2", w.Code, w.Header().Get("Retry-After"))
	}
}
