package http

import "testing"

// FuzzDecodeReadingsChoice: the body of a transfer's start and a factory
// reset (FACTORY-RESET, OWN-TRANSFER) decodes or is a precise problem.
func FuzzDecodeReadingsChoice(f *testing.F) {
	seeds(f, `{"readings":"keep"}`, `{"readings":"erase","password":"correct horse battery staple"}`, `{"readings":""}`, `{"readings":1}`)
	f.Fuzz(func(t *testing.T, body []byte) { checkDecode[readingsChoice](t, body) })
}

// FuzzDecodeMode: the body of a mode change (LOCAL-ONLY).
func FuzzDecodeMode(f *testing.F) {
	seeds(f, `{"mode":"local-only"}`, `{"mode":"cloud"}`, `{"mode":""}`, `{"mode":["cloud"]}`)
	f.Fuzz(func(t *testing.T, body []byte) { checkDecode[modeRequest](t, body) })
}
