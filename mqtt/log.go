package mqtt

import (
	"context"
	"log/slog"
)

// quietHandler passes the broker library's warnings and errors to Hearth's
// log, with only attributes known to carry no personal data or secrets:
// client IDs, addresses, topics, payloads and wills are dropped.
type quietHandler struct {
	next slog.Handler
}

// safeAttrs are the broker library's attribute keys that may be logged.
var safeAttrs = map[string]bool{"error": true, "listener": true, "hook": true, "address": true, "protocol": true}

func newQuietHandler(next slog.Handler) *quietHandler { return &quietHandler{next: next} }

func (h *quietHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= slog.LevelWarn && h.next.Enabled(ctx, l)
}

func (h *quietHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, "mqtt broker: "+r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		if safeAttrs[a.Key] {
			out.AddAttrs(a)
		}
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h *quietHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	var safe []slog.Attr
	for _, a := range attrs {
		if safeAttrs[a.Key] {
			safe = append(safe, a)
		}
	}
	return &quietHandler{next: h.next.WithAttrs(safe)}
}

func (h *quietHandler) WithGroup(name string) slog.Handler {
	return &quietHandler{next: h.next.WithGroup(name)}
}
