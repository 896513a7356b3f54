package synth

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/device"
)

// Credential is a provisioned device's identity: what the manufacturer's
// provisioning (`hearth devices provision`) hands out.
type Credential struct {
	DeviceID  string
	Secret    string
	ClaimCode string
}

// SignUpLimit is how many sign-ups a Hearth server takes from one client
// address before it answers 429 (docs/api.md, POST /v1/accounts). Load
// spreads its sign-ups over Target.SignUpClients in turns of this many.
const SignUpLimit = 10

// Target is a running Hearth server to load a population into.
type Target struct {
	// API is the base URL of the server's HTTP API, such as
	// "http://127.0.0.1:8080". Required.
	API string
	// Client sends every request but sign-ups; http.DefaultClient if nil.
	Client *http.Client
	// Provision provisions one device of the model, as the manufacturer
	// does before a household claims it. Required: Hearth has no public
	// route for it.
	Provision func(ctx context.Context, model, firmware string) (Credential, error)
	// SignUp creates an account; nil signs up through POST /v1/accounts,
	// with SignUpClients in turn.
	SignUp func(ctx context.Context, email, password, displayName string) error
	// SignUpClients send the sign-ups, SignUpLimit with each before the
	// next (clients bound to different source addresses); Client alone if
	// empty, which limits a load to SignUpLimit accounts.
	SignUpClients []*http.Client
	// Password is every synthetic account's password; "" makes a random
	// one for the load (Loaded.Password).
	Password string
	// Workers is how many devices send readings at once; 8 if zero.
	Workers int
}

// Loaded is a population loaded into a server: the Hearth IDs of its
// households, people and devices. Its methods are safe for concurrent use
// once Load has returned.
type Loaded struct {
	Password   string                // every account's password
	Households map[string]string     // synthetic household ID → Hearth's
	People     map[string]string     // synthetic person ID → Hearth's
	Devices    map[string]Credential // synthetic device ID → its credential
	Tokens     map[string]string     // synthetic person ID → a session token, for people with an account
	target     Target
	signUps    int
}

// Load creates the population in the server through its public HTTP API,
// as its people would: each account holder signs up and signs in; the
// owner creates the household, invites the other account holders (who
// accept) and adds the profiles without an account (a child with their
// guardian); the owner claims each device, provisioned with
// Target.Provision; each person with an account, and each child's
// guardian, makes their consent decisions (with the explicit statement
// where the purpose needs one), switches their features on and sets their
// location precision. It returns at the first refusal, with what was
// loaded until then.
func Load(ctx context.Context, t Target, g *Generator, p *Population) (*Loaded, error) {
	if t.API == "" || t.Provision == nil {
		return nil, fmt.Errorf("load synthetic population: the target needs an API URL and a Provision function")
	}
	if t.Client == nil {
		t.Client = http.DefaultClient
	}
	l := &Loaded{
		Password: t.Password, target: t, Households: map[string]string{}, People: map[string]string{},
		Devices: map[string]Credential{}, Tokens: map[string]string{},
	}
	if l.Password == "" {
		l.Password = rand.Text()
	}
	for i := range p.Households {
		if err := l.household(ctx, g, &p.Households[i]); err != nil {
			return l, fmt.Errorf("load synthetic household %s: %w", p.Households[i].ID, err)
		}
	}
	return l, nil
}

// household loads one household.
func (l *Loaded) household(ctx context.Context, g *Generator, h *Household) error {
	owner := &h.People[0]
	if err := l.account(ctx, owner); err != nil {
		return err
	}
	tok := l.Tokens[owner.ID]
	var hh struct{ ID string }
	if err := l.call(ctx, tok, "POST", "/v1/households", map[string]string{"name": h.Name}, &hh); err != nil {
		return err
	}
	l.Households[h.ID] = hh.ID
	for i := range h.People[1:] {
		if err := l.member(ctx, tok, hh.ID, &h.People[1+i]); err != nil {
			return err
		}
	}
	for _, d := range h.Devices {
		c, err := l.target.Provision(ctx, d.Model, d.Firmware)
		if err != nil {
			return fmt.Errorf("provision %s: %w", d.ID, err)
		}
		if err := l.call(ctx, tok, "POST", "/v1/households/"+hh.ID+"/devices", map[string]string{"code": c.ClaimCode}, nil); err != nil {
			return err
		}
		l.Devices[d.ID] = c
	}
	for i := range h.People {
		if err := l.decide(ctx, g, h, &h.People[i]); err != nil {
			return err
		}
	}
	return nil
}

// account signs the person up and in.
func (l *Loaded) account(ctx context.Context, p *Person) error {
	if err := l.signUp(ctx, p); err != nil {
		return err
	}
	var s struct{ Token string }
	if err := l.call(ctx, "", "POST", "/v1/sessions", map[string]string{"email": p.Email, "password": l.Password}, &s); err != nil {
		return fmt.Errorf("%w (if %s was loaded before with another password: a seed loads once into a server)", err, p.ID)
	}
	var me struct {
		PersonID string `json:"person_id"`
	}
	if err := l.call(ctx, s.Token, "GET", "/v1/me", nil, &me); err != nil {
		return err
	}
	l.Tokens[p.ID], l.People[p.ID] = s.Token, me.PersonID
	return nil
}

func (l *Loaded) signUp(ctx context.Context, p *Person) error {
	if l.target.SignUp != nil {
		return l.target.SignUp(ctx, p.Email, l.Password, p.DisplayName)
	}
	c := l.target.Client
	if n := len(l.target.SignUpClients); n > 0 {
		c = l.target.SignUpClients[l.signUps/SignUpLimit%n]
	}
	l.signUps++
	body := map[string]string{"email": p.Email, "password": l.Password, "display_name": p.DisplayName}
	return l.callWith(ctx, c, "", "POST", "/v1/accounts", body, nil)
}

// member adds a person other than the owner to household hh.
func (l *Loaded) member(ctx context.Context, ownerTok, hh string, p *Person) error {
	if !p.HasAccount() {
		var out struct{ ID string }
		body := map[string]string{"display_name": p.DisplayName, "role": string(p.Role), "guardian_id": l.People[p.Guardian]}
		if err := l.call(ctx, ownerTok, "POST", "/v1/households/"+hh+"/people", body, &out); err != nil {
			return err
		}
		l.People[p.ID] = out.ID
		return nil
	}
	if err := l.account(ctx, p); err != nil {
		return err
	}
	var inv struct{ Token string }
	if err := l.call(ctx, ownerTok, "POST", "/v1/households/"+hh+"/invites", map[string]string{"role": string(p.Role)}, &inv); err != nil {
		return err
	}
	return l.call(ctx, l.Tokens[p.ID], "POST", "/v1/invites/accept", map[string]string{"token": inv.Token}, nil)
}

// decide records the person's decisions, features and location setting,
// as the person (or a child's guardian) would.
func (l *Loaded) decide(ctx context.Context, g *Generator, h *Household, p *Person) error {
	tok := l.Tokens[p.ID]
	if p.Role == hearth.RoleChild {
		tok = l.Tokens[p.Guardian]
	}
	if tok == "" {
		return nil // nobody decides for them
	}
	base := "/v1/households/" + l.Households[h.ID] + "/people/" + l.People[p.ID]
	for _, d := range p.Decisions {
		body := map[string]string{"decision": "refuse", "method": string(hearth.MethodAPI)}
		if d.Give {
			body["decision"] = "give"
			if pu, ok := g.m.Purpose(d.Purpose); ok {
				body["statement"] = pu.Explicit
			}
		}
		if err := l.call(ctx, tok, "POST", base+"/consents/"+d.Purpose, body, nil); err != nil {
			return err
		}
	}
	for _, f := range p.Features {
		if err := l.call(ctx, tok, "POST", base+"/features/"+f, map[string]bool{"enabled": true}, nil); err != nil {
			return err
		}
	}
	if p.Location == "" {
		return nil
	}
	var st map[string]any
	if err := l.call(ctx, tok, "GET", base+"/settings", nil, &st); err != nil {
		return err
	}
	st["location"] = p.Location
	fl := map[string]string{}
	for _, f := range p.Features {
		if ft, ok := g.m.Feature(f); ok && len(ft.Granularities) > 0 {
			fl[f] = p.Location
		}
	}
	st["feature_location"] = fl
	delete(st, "updated")
	return l.call(ctx, tok, "PUT", base+"/settings", st, nil)
}

// call sends a JSON request with the session token tok ("" for none) and
// decodes a 2xx answer into out (nil to ignore it); any other status is an
// error with the server's problem document.
func (l *Loaded) call(ctx context.Context, tok, method, path string, body, out any) error {
	return l.callWith(ctx, l.target.Client, tok, method, path, body, out)
}

func (l *Loaded) callWith(ctx context.Context, c *http.Client, tok, method, path string, body, out any) error {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(l.target.API, "/")+path, r)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", method, pathPattern(path), resp.Status, bytes.TrimSpace(b))
	}
	if out == nil || len(b) == 0 {
		return nil
	}
	return json.Unmarshal(b, out)
}

// pathPattern returns a path with its IDs left out, for error messages
// that name no one: "/v1/households/…/people/…/consents/…".
func pathPattern(path string) string {
	parts := strings.Split(path, "/")
	for i := 4; i < len(parts); i += 2 {
		parts[i] = "…"
	}
	return strings.Join(parts, "/")
}

// Sent counts what the server did with the readings Send sent.
type Sent struct {
	Stored     int            // stored (201)
	Duplicates int            // stored already (200)
	Refused    map[string]int // refused, by status and the server's problem, such as "422 …"
}

// Total returns how many readings were sent.
func (s Sent) Total() int {
	n := s.Stored + s.Duplicates
	for _, k := range s.Refused {
		n += k
	}
	return n
}

// Send sends readings of the loaded population (from the Generator that
// made it) over the device protocol's HTTP path, each with its device's
// credential and its person's Hearth ID, Target.Workers devices at once,
// each device's in order. A refusal (such as a reading whose purpose lacks
// consent) is counted, not an error; the error is for a request that got
// no answer, or a reading of a device Load did not claim.
func (l *Loaded) Send(ctx context.Context, readings iter.Seq[Reading]) (Sent, error) {
	workers := l.target.Workers
	if workers <= 0 {
		workers = 8
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	queues := make([]chan Reading, workers)
	var mu sync.Mutex
	sent := Sent{Refused: map[string]int{}}
	var wg sync.WaitGroup
	for i := range queues {
		queues[i] = make(chan Reading, 64)
		wg.Go(func() {
			for r := range queues[i] {
				if ctx.Err() != nil {
					continue
				}
				o, err := l.send(ctx, r)
				if err != nil {
					cancel(err)
					continue
				}
				mu.Lock()
				sent.count(o)
				mu.Unlock()
			}
		})
	}
	for r := range readings {
		if ctx.Err() != nil {
			break
		}
		queues[hash64(r.Device)%uint64(workers)] <- r
	}
	for _, q := range queues {
		close(q)
	}
	wg.Wait()
	return sent, context.Cause(ctx)
}

func (s *Sent) count(o device.Outcome) {
	switch o.Status {
	case http.StatusCreated:
		s.Stored++
	case http.StatusOK:
		s.Duplicates++
	default:
		s.Refused[fmt.Sprintf("%d %s", o.Status, o.Problem)]++
	}
}

// send sends one reading.
func (l *Loaded) send(ctx context.Context, r Reading) (device.Outcome, error) {
	c, ok := l.Devices[r.Device]
	if !ok {
		return device.Outcome{}, fmt.Errorf("send reading %s: device %s was not loaded", r.MsgID, r.Device)
	}
	dr := device.Reading{ID: r.MsgID, Time: r.Time.Format(time.RFC3339Nano), Category: r.Category, Values: r.Values}
	if r.Person != "" {
		dr.Person = l.People[r.Person]
	}
	return device.SendHTTP(ctx, l.target.Client, l.target.API, c.DeviceID, c.Secret, dr)
}
