package device

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// CommandsTopic returns the topic a device receives commands on.
func CommandsTopic(deviceID string) string {
	return "hearth/v1/devices/" + deviceID + "/commands"
}

// EventsTopic returns the topic a device sends events to.
func EventsTopic(deviceID string) string {
	return "hearth/v1/devices/" + deviceID + "/events"
}

// Event is a message a device sends the backend about itself
// (docs/device-protocol.md, "Events"): a factory reset, a firmware result or
// a refused command.
type Event struct {
	Type    string `json:"type"` // factory-reset, firmware or command-refused
	Status  string `json:"status,omitempty"`
	Version string `json:"version,omitempty"`
	Reason  string `json:"reason,omitempty"`
	Detail  string `json:"detail,omitempty"`
	Command string `json:"command,omitempty"`
}

// startCloudLocked starts the cloud link: an MQTT client that connects,
// and keeps reconnecting, with the device's credential, and subscribes to
// the device's commands topic at every connect. A refused first connection
// is tried again every 10 s; after a lost connection the retries back off
// to one a minute, so a device whose credential was rotated (after a
// transfer) does not run into the backend's failure limit before it is
// given the new one. r.mu must be held.
func (r *Reference) startCloudLocked() {
	if r.client != nil || r.st.Broker == "" {
		return
	}
	id := r.st.DeviceID
	o := paho.NewClientOptions().AddBroker(r.st.Broker).
		SetClientID(id).SetUsername(id).SetPassword(r.st.Secret).
		SetCleanSession(true).SetAutoReconnect(true).
		SetConnectRetry(true).SetConnectRetryInterval(10 * time.Second).
		SetMaxReconnectInterval(time.Minute).SetConnectTimeout(10 * time.Second)
	if r.cfg.TLS != nil {
		o.SetTLSConfig(r.cfg.TLS)
	}
	o.SetOnConnectHandler(func(c paho.Client) {
		c.Subscribe(CommandsTopic(id), 1, func(_ paho.Client, m paho.Message) {
			payload := bytes.Clone(m.Payload())
			go r.handleCommand(payload)
		})
	})
	o.SetConnectionLostHandler(func(_ paho.Client, err error) {
		r.cfg.Logger.Warn("device connection lost", "device", id, "err", err)
	})
	r.client = paho.NewClient(o)
	r.client.Connect() // retried in the background until Disconnect
}

// stopCloud ends the cloud link, if it is on.
func (r *Reference) stopCloud() {
	r.mu.Lock()
	c := r.client
	r.client = nil
	r.mu.Unlock()
	if c != nil {
		c.Disconnect(250)
	}
}

// Connected reports whether the device is connected to the backend.
func (r *Reference) Connected() bool {
	r.mu.Lock()
	c := r.client
	r.mu.Unlock()
	return c != nil && c.IsConnectionOpen()
}

// publish sends one reading at QoS 1 and waits for its PUBACK.
func (r *Reference) publish(ctx context.Context, c paho.Client, id string, rd Reading) error {
	b, err := json.Marshal(rd)
	if err != nil {
		return fmt.Errorf("encode reading: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, DefaultPublishTimeout)
	defer cancel()
	if err := wait(ctx, c.Publish(ReadingsTopic(id), 1, false, b)); err != nil {
		return fmt.Errorf("publish reading %s: %w", rd.ID, err)
	}
	r.published.Add(1)
	return nil
}

// sendEvent sends ev to the backend: over MQTT while connected, otherwise
// over HTTP (POST /v1/devices/{id}/events) when the backend's API URL is
// known. It waits at most eventTimeout.
func (r *Reference) sendEvent(ev Event, id, secret string, c paho.Client) error {
	b, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("encode event: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), eventTimeout)
	defer cancel()
	if c != nil && c.IsConnectionOpen() {
		if err := wait(ctx, c.Publish(EventsTopic(id), 1, false, b)); err != nil {
			return fmt.Errorf("send %s event: %w", ev.Type, err)
		}
		return nil
	}
	r.mu.Lock()
	api := r.st.API
	r.mu.Unlock()
	if api == "" {
		return fmt.Errorf("send %s event: not connected, and no backend API URL", ev.Type)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(api, "/")+"/v1/devices/"+id+"/events", bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("send %s event: %w", ev.Type, err)
	}
	req.Header.Set("Authorization", "Bearer "+secret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := r.cfg.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("send %s event: %w", ev.Type, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return fmt.Errorf("send %s event: %s: %s", ev.Type, resp.Status, bytes.TrimSpace(msg))
	}
	return nil
}

// maxEventText bounds an event's reason and detail, in bytes.
const maxEventText = 256

// eventText makes s fit an event's reason or detail: control characters
// become spaces, and it is cut to maxEventText bytes at a character
// boundary.
func eventText(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "?"))
	for len(s) > maxEventText {
		_, n := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-n]
	}
	return s
}

// event sends ev with the device's current credential and link, logging a
// failure: the device carries on either way.
func (r *Reference) event(ev Event) {
	r.mu.Lock()
	id, secret, c := r.st.DeviceID, r.st.Secret, r.client
	r.mu.Unlock()
	if err := r.sendEvent(ev, id, secret, c); err != nil {
		r.cfg.Logger.Warn("device event not sent", "device", id, "err", err)
	}
}
