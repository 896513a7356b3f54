package http

import (
	"context"
	"net/http"
	"time"

	"github.com/hearth-iot/hearth"
)

// readingsChoice is the body of POST /v1/devices/{id}/transfer and
// POST /v1/devices/{id}/reset: what happens to the device's readings.
type readingsChoice struct {
	Readings string `json:"readings"`
	Password string `json:"password"`
}

// Valid implements Validator; the service checks the choice itself.
func (r readingsChoice) Valid(context.Context) map[string]string {
	p := map[string]string{}
	required(p, "readings", r.Readings)
	return p
}

// handleStartTransfer starts a device's transfer and shows its code once.
func (s *server) handleStartTransfer() http.Handler {
	return s.withLifecycle(func(w http.ResponseWriter, r *http.Request) error {
		req, err := decode[readingsChoice](w, r)
		if err != nil {
			return err
		}
		started, err := s.Lifecycle.StartTransfer(r.Context(), caller(r), r.PathValue("id"), req.Readings, req.Password)
		if err != nil {
			return err
		}
		encode(w, http.StatusCreated, started)
		return nil
	})
}

// handleCancelTransfer withdraws a device's open transfer.
func (s *server) handleCancelTransfer() http.Handler {
	return s.withLifecycle(func(w http.ResponseWriter, r *http.Request) error {
		if err := s.Lifecycle.CancelTransfer(r.Context(), caller(r), r.PathValue("id")); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

// acceptedJSON is a transfer just accepted: the device as members see it
// and its new secret, shown once.
type acceptedJSON struct {
	Device      deviceJSON `json:"device"`
	Secret      string     `json:"secret"`
	Erased      int64      `json:"erased"`
	EraseFailed bool       `json:"erase_failed,omitempty"`
}

// handleAcceptTransfer takes a device into the household with a transfer
// code (the body of POST /v1/households/{hh}/devices: {"code"}).
func (s *server) handleAcceptTransfer() http.Handler {
	return s.withLifecycle(func(w http.ResponseWriter, r *http.Request) error {
		req, err := decode[claimRequest](w, r)
		if err != nil {
			return err
		}
		a, err := s.Lifecycle.AcceptTransfer(r.Context(), caller(r), r.PathValue("hh"), req.Code)
		if err != nil {
			return err
		}
		encode(w, http.StatusCreated, acceptedJSON{Device: deviceView(&a.Device), Secret: a.Secret, Erased: a.Erased, EraseFailed: a.EraseFailed})
		return nil
	})
}

// handleFactoryReset resets a device from the owner's account.
func (s *server) handleFactoryReset() http.Handler {
	return s.withLifecycle(func(w http.ResponseWriter, r *http.Request) error {
		req, err := decode[readingsChoice](w, r)
		if err != nil {
			return err
		}
		res, err := s.Lifecycle.FactoryReset(r.Context(), caller(r), r.PathValue("id"), req.Readings, req.Password)
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, res)
		return nil
	})
}

// passwordOnly is a body that holds only the caller's password.
type passwordOnly struct {
	Password string `json:"password"`
}

// Valid implements Validator.
func (r passwordOnly) Valid(context.Context) map[string]string {
	p := map[string]string{}
	required(p, "password", r.Password)
	return p
}

// handleEraseDeviceReadings erases the readings a device that left the
// household sent to it.
func (s *server) handleEraseDeviceReadings() http.Handler {
	return s.withLifecycle(func(w http.ResponseWriter, r *http.Request) error {
		req, err := decode[passwordOnly](w, r)
		if err != nil {
			return err
		}
		n, err := s.Lifecycle.EraseReadings(r.Context(), caller(r), r.PathValue("hh"), r.PathValue("id"), req.Password)
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, map[string]int64{"erased": n})
		return nil
	})
}

// modeRequest is the body of PUT /v1/devices/{id}/mode.
type modeRequest struct {
	Mode hearth.DeviceMode `json:"mode"`
}

// Valid implements Validator.
func (r modeRequest) Valid(context.Context) map[string]string {
	p := map[string]string{}
	required(p, "mode", string(r.Mode))
	return p
}

// handleSetMode switches a device between cloud and local-only mode.
func (s *server) handleSetMode() http.Handler {
	return s.withLifecycle(func(w http.ResponseWriter, r *http.Request) error {
		req, err := decode[modeRequest](w, r)
		if err != nil {
			return err
		}
		m, err := s.Lifecycle.SetMode(r.Context(), caller(r), r.PathValue("id"), req.Mode)
		if err != nil {
			return err
		}
		encode(w, http.StatusOK, m)
		return nil
	})
}

// logEntryJSON is a device log entry as an owner sees it.
type logEntryJSON struct {
	Action    string    `json:"action"`
	Outcome   string    `json:"outcome"`
	PersonID  string    `json:"person_id,omitempty"` // who acted; none when the device reported it
	CommandID string    `json:"command_id,omitempty"`
	Time      time.Time `json:"time"`
}

// handleDeviceLog answers an owner with the device's log of its time in
// the household, and until when a transfer code it gave out works.
func (s *server) handleDeviceLog() http.Handler {
	return s.withLifecycle(func(w http.ResponseWriter, r *http.Request) error {
		l, err := s.Lifecycle.Log(r.Context(), caller(r), r.PathValue("id"))
		if err != nil {
			return err
		}
		out := make([]logEntryJSON, 0, len(l.Entries))
		for _, e := range l.Entries {
			out = append(out, logEntryJSON{Action: e.Action, Outcome: e.Outcome, PersonID: e.PersonID, CommandID: e.CommandID, Time: e.Time})
			auditSubjects(r, e.PersonID) // the log shows what each person did with the device (AUDIT)
		}
		body := map[string]any{"device_id": l.DeviceID, "entries": out}
		if !l.TransferUntil.IsZero() {
			body["transfer_until"] = l.TransferUntil
		}
		encode(w, http.StatusOK, body)
		return nil
	})
}

// withLifecycle serves a device lifecycle route: 404 when the server has
// no lifecycle service, and the handler's error as a problem.
func (s *server) withLifecycle(h func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.Lifecycle == nil {
			http.NotFound(w, r)
			return
		}
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	})
}
