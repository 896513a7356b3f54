package http_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/pb33f/libopenapi/datamodel/high/base"

	"github.com/hearth-iot/hearth/client"
)

// TestClientShapes checks that package client's types are the document's
// shapes (INT-CLIENTS): each JSON field of a client type is a property of
// the schema of the answer it decodes, so the client cannot drift from the
// document while TestClient and the checker keep the document true.
func TestClientShapes(t *testing.T) {
	c, err := theChecker()
	if err != nil {
		t.Fatalf("OpenAPI document: %v", err)
	}
	const p = "/v1/households/{hh}/people/{person}"
	for _, s := range []struct {
		v          any
		op, status string
		path       string // properties to follow; [] an array's items, {} a map's values
	}{
		{client.Session{}, "POST /v1/sessions", "201", ""},
		{client.SecondFactorRequired{}, "POST /v1/sessions", "202", ""},
		{client.Account{}, "GET /v1/me", "200", ""},
		{client.Household{}, "POST /v1/households", "201", ""},
		{client.Household{}, "GET /v1/households", "200", "households.[]"},
		{client.Member{}, "GET /v1/households/{hh}/members", "200", "members.[]"},
		{client.Device{}, "POST /v1/households/{hh}/devices", "201", ""},
		{client.Device{}, "GET /v1/households/{hh}/devices", "200", "devices.[]"},
		{client.ReadingsPage{}, "GET /v1/households/{hh}/readings", "200", ""},
		{client.Reading{}, "GET /v1/households/{hh}/readings", "200", "readings.[]"},
		{client.Consent{}, "GET " + p + "/consents", "200", "consents.{}"},
		{client.Consent{}, "POST " + p + "/consents/{purpose}", "200", "consent"},
		{client.ExportLink{}, "POST " + p + "/exports", "201", ""},
		{client.ExportLink{}, "POST /v1/me/exports", "201", ""},
		{client.RightsRequest{}, "POST " + p + "/requests", "201", ""},
		{client.RightsRequest{}, "GET " + p + "/requests", "200", "requests.[]"},
		{client.RightsRequest{}, "GET /v1/me/requests", "200", "requests.[]"},
		{client.Error{}, "GET /v1/me", "401", ""},
	} {
		name := reflect.TypeOf(s.v).Name() + " in " + s.op + " " + s.status
		method, path, _ := strings.Cut(s.op, " ")
		item := c.model.Paths.PathItems.GetOrZero(path)
		if item == nil || item.GetOperations().GetOrZero(strings.ToLower(method)) == nil {
			t.Errorf("%s: no such operation", name)
			continue
		}
		res := item.GetOperations().GetOrZero(strings.ToLower(method)).Responses.Codes.GetOrZero(s.status)
		var schema *base.Schema
		for _, mt := range []string{"application/json", "application/problem+json"} {
			if res != nil && res.Content.GetOrZero(mt) != nil {
				schema = res.Content.GetOrZero(mt).Schema.Schema()
			}
		}
		for _, step := range strings.Split(s.path, ".") {
			switch {
			case schema == nil || step == "":
			case step == "[]" && schema.Items != nil && schema.Items.IsA():
				schema = schema.Items.A.Schema()
			case step == "{}" && schema.AdditionalProperties != nil && schema.AdditionalProperties.IsA():
				schema = schema.AdditionalProperties.A.Schema()
			case schema.Properties != nil && schema.Properties.GetOrZero(step) != nil:
				schema = schema.Properties.GetOrZero(step).Schema()
			default:
				schema = nil
			}
		}
		if schema == nil || schema.Properties == nil {
			t.Errorf("%s: the document has no object schema at %q", name, s.path)
			continue
		}
		typ := reflect.TypeOf(s.v)
		for i := range typ.NumField() {
			tag, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
			if tag != "" && tag != "-" && schema.Properties.GetOrZero(tag) == nil {
				t.Errorf("%s: field %s (%q) is not in the document's schema", name, typ.Field(i).Name, tag)
			}
		}
	}
}
