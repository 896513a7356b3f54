// Package webhook delivers Hearth's signed erasure notices to the
// recipients named in the privacy manifest (RIGHT-ERASE), as HTTP POST
// requests with an HMAC-SHA256 signature. It is an adapter: the erasure
// service queues the notices, retries and records their delivery state.
//
// A notice is a JSON object (see Body) sent with the headers
//
//	Content-Type: application/json
//	Hearth-Notice-Id: <the notice ID; the same on every retry>
//	Hearth-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>
//
// A recipient checks the signature with Verify (or the same computation in
// its own language), rejects a timestamp too far from its clock, erases
// the data, and answers any 2xx status. Any other status, or no answer
// within the timeout, counts as a failed attempt.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hearth-iot/hearth"
)

// Endpoint is where and how a recipient receives notices.
type Endpoint struct {
	URL    string
	Secret []byte // the shared HMAC key, at least MinSecretLen bytes
}

// MinSecretLen is the shortest accepted shared secret, in bytes.
const MinSecretLen = 16

// Body is the JSON body of an erasure notice.
type Body struct {
	Type       string    `json:"type"` // always "hearth.erasure"
	ID         string    `json:"id"`
	Recipient  string    `json:"recipient"`
	Erasure    int64     `json:"erasure"`    // the erasure's number in the sender's journal
	Subject    string    `json:"subject"`    // the person's (or household's) ID
	Everything bool      `json:"everything"` // erase everything about the subject
	Categories []string  `json:"categories"` // the categories to erase
	From       time.Time `json:"from,omitzero"`
	To         time.Time `json:"to,omitzero"`
	ErasedAt   time.Time `json:"erased_at"`
}

// Client sends notices. It is safe for concurrent use.
type Client struct {
	endpoints map[string]Endpoint
	http      *http.Client
	now       func() time.Time
}

// New returns a Client for the given endpoints by recipient ID. A nil hc
// uses a client without redirects; the caller bounds each call with its
// context.
func New(endpoints map[string]Endpoint, hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	return &Client{endpoints: endpoints, http: hc, now: time.Now}
}

// Configured reports whether the recipient has an endpoint.
func (c *Client) Configured(recipientID string) bool {
	_, ok := c.endpoints[recipientID]
	return ok
}

// Notify sends the notice to its recipient and returns nil once the
// recipient answers 2xx. Its errors never hold personal data: a status, or
// the transport's failure.
func (c *Client) Notify(ctx context.Context, n hearth.ErasureNotice) error {
	ep, ok := c.endpoints[n.RecipientID]
	if !ok {
		return fmt.Errorf("no endpoint is configured for recipient %s", n.RecipientID)
	}
	body, err := json.Marshal(Body{Type: "hearth.erasure", ID: n.ID, Recipient: n.RecipientID, Erasure: n.ErasureSeq,
		Subject: n.PersonID, Everything: n.Everything, Categories: orEmpty(n.Categories), From: n.From, To: n.To, ErasedAt: n.Created})
	if err != nil {
		return fmt.Errorf("encode notice: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("notice request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Hearth-Notice-Id", n.ID)
	req.Header.Set("Hearth-Signature", Sign(ep.Secret, c.now(), body))
	res, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("send notice: %w", err)
	}
	io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return fmt.Errorf("recipient answered HTTP %d", res.StatusCode)
	}
	return nil
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Sign returns the Hearth-Signature header value for body sent at t.
func Sign(secret []byte, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + mac(secret, ts, body)
}

func mac(secret []byte, ts string, body []byte) string {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(ts))
	h.Write([]byte{'.'})
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

// Verify checks a Hearth-Signature header for body: the HMAC must match
// and the timestamp be within tolerance of now. Recipients use it.
func Verify(secret []byte, header string, body []byte, now time.Time, tolerance time.Duration) error {
	var ts, sig string
	for _, part := range strings.Split(header, ",") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "t":
			ts = v
		case "v1":
			sig = v
		}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || sig == "" {
		return fmt.Errorf("malformed signature header")
	}
	if d := now.Sub(time.Unix(sec, 0)); d > tolerance || d < -tolerance {
		return fmt.Errorf("signature timestamp is outside the tolerance")
	}
	if !hmac.Equal([]byte(sig), []byte(mac(secret, ts, body))) {
		return fmt.Errorf("signature does not match")
	}
	return nil
}
