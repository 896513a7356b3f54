package http

import "testing"

func FuzzDecodePassword(f *testing.F) {
	seeds(f, `{"current_password":"correct horse battery staple","new_password":"another long passphrase"}`,
		`{"current_password":"\u00e9","new_password":""}`)
	f.Fuzz(func(t *testing.T, body []byte) { checkDecode[passwordRequest](t, body) })
}

func FuzzDecodeRole(f *testing.F) {
	seeds(f, `{"role":"child","guardian_id":"per_1"}`, `{"role":"owner"}`, `{"role":""}`)
	f.Fuzz(func(t *testing.T, body []byte) { checkDecode[roleRequest](t, body) })
}
