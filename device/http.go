package device

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Outcome is what the server did with a reading sent over HTTP.
type Outcome struct {
	Status int // the HTTP status: 201 stored, 200 a duplicate, 4xx or 5xx refused
	// Problem summarises the server's problem document for a refusal: the
	// fields at fault with their reasons, or its detail
	// (docs/device-protocol.md, "Refusals"); "" when stored.
	Problem string
}

// Stored reports whether the reading is stored: new (201) or a resend of
// one stored already (200).
func (o Outcome) Stored() bool { return o.Status == http.StatusCreated || o.Status == http.StatusOK }

// SendHTTP sends one reading over the protocol's HTTP path (POST
// /v1/devices/{deviceID}/readings with the device secret as bearer token)
// to the API at base, such as "http://127.0.0.1:8080". A refusal is an
// Outcome, not an error; the error is for a request that got no answer.
func SendHTTP(ctx context.Context, c *http.Client, base, deviceID, secret string, r Reading) (Outcome, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return Outcome{}, fmt.Errorf("encode reading: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(base, "/")+"/v1/devices/"+deviceID+"/readings", bytes.NewReader(b))
	if err != nil {
		return Outcome{}, fmt.Errorf("send reading %s: %w", r.ID, err)
	}
	req.Header.Set("Authorization", "Bearer "+secret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return Outcome{}, fmt.Errorf("send reading %s: %w", r.ID, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 16<<10))
	o := Outcome{Status: resp.StatusCode}
	if !o.Stored() {
		o.Problem = problemText(body)
	}
	return o, nil
}

// problemText summarises a problem document: each field at fault with its
// reason, or the detail when it names none.
func problemText(body []byte) string {
	var p struct {
		Detail string `json:"detail"`
		Errors []struct {
			Field  string `json:"field"`
			Reason string `json:"reason"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &p) != nil {
		return strings.TrimSpace(string(body))
	}
	if len(p.Errors) == 0 {
		return p.Detail
	}
	parts := make([]string, len(p.Errors))
	for i, e := range p.Errors {
		parts[i] = e.Field + ": " + e.Reason
	}
	return strings.Join(parts, "; ")
}
