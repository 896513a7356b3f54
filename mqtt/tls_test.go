package mqtt_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"testing"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/ingest"
	"github.com/hearth-iot/hearth/ingest/ingesttest"
	"github.com/hearth-iot/hearth/internal/testcert"
	"github.com/hearth-iot/hearth/mqtt"
	"github.com/hearth-iot/hearth/sqlite"
)

// selfSigned returns a server certificate for 127.0.0.1 and a pool trusting it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	c := testcert.New(t)
	return c.TLS, c.Pool
}

// SEC-ENCRYPT: MQTT over TLS; a reading published over it is stored.
func TestTLS(t *testing.T) {
	db, err := sqlite.Open(t.TempDir())
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	defer db.Close()
	f := ingesttest.Provision(t, db)
	svc := ingest.New(ingest.Config{Store: db, Keys: f.Keys, Manifest: f.Manifest})
	svc.Start()
	defer svc.Close(context.Background())
	cert, pool := selfSigned(t)
	b, err := mqtt.New(mqtt.Config{Addr: "127.0.0.1:0", Ingest: svc,
		TLS: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}})
	if err != nil {
		t.Fatalf("mqtt.New: %v", err)
	}
	if err := b.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	defer b.Close()
	dev, secret := f.Device(t, true, hearth.ModeCloud)
	opts := paho.NewClientOptions().AddBroker("tls://" + b.Addr().String()).
		SetClientID(dev.ID).SetUsername(dev.ID).SetPassword(secret).SetProtocolVersion(4).
		SetAutoReconnect(false).SetTLSConfig(&tls.Config{RootCAs: pool})
	c := paho.NewClient(opts)
	if tok := c.Connect(); !tok.WaitTimeout(waitBound) || tok.Error() != nil {
		t.Fatalf("connect over TLS: %v", tok.Error())
	}
	defer c.Disconnect(100)
	tok := c.Publish(mqtt.ReadingsTopic(dev.ID), 1, false, ingesttest.Payload("tls-1", "temperature", ""))
	if !tok.WaitTimeout(waitBound) || tok.Error() != nil {
		t.Fatalf("publish over TLS: no PUBACK (%v)", tok.Error())
	}
	rs, err := db.Readings(context.Background(), hearth.ReadingFilter{HouseholdID: f.Household})
	if err != nil || len(rs) != 1 || rs[0].MsgID != "tls-1" {
		t.Errorf("stored readings = %+v, %v; want tls-1", rs, err)
	}
}
