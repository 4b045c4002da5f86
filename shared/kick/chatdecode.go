//go:build !chatstdlib

package kick

import (
	gojson "github.com/goccy/go-json"
)

// Chat messages are most of Kick's deliveries, and encoding/json spends
// about a third of an RSA verify on one. decodeChat decodes a chat payload
// with go-json, about four times faster (BenchmarkDecodeChat); whatever
// go-json refuses (or panics on) it reports false, and Parse falls back to
// encoding/json, which remains the definition: whenever decodeChat
// succeeds its result equals encoding/json's (FuzzDecodeChat checks this).
func decodeChat(body []byte) (p *chatPayload, ok bool) {
	defer func() {
		if recover() != nil {
			p, ok = nil, false
		}
	}()
	p = new(chatPayload)
	if gojson.Unmarshal(body, p) != nil {
		return nil, false
	}
	return p, true
}
