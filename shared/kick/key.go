// Package kick is the adapter for Kick's webhooks: it verifies deliveries
// and translates their payloads into events.
//
// A delivery is trusted only when its RSA signature checks out under Kick's
// public key and its timestamp is fresh; its payload is then decoded into an
// event.Event. NewHandler ties both to net/http.
package kick

import (
	"crypto/rsa"
	"crypto/x509"
	_ "embed"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"sync"
)

// kickPEM is Kick's webhook signing key as published in its docs
// (events/webhook-security.md) and served by GET /public/v1/public-key.
//
//go:embed kick.pem
var kickPEM []byte

// MinKeyBits is the smallest RSA key accepted; Kick signs with 2048 bits.
const MinKeyBits = 2048

// DefaultPublicKey returns Kick's published webhook key, parsed once.
func DefaultPublicKey() *rsa.PublicKey { return defaultKey() }

var defaultKey = sync.OnceValue(func() *rsa.PublicKey {
	k, err := ParsePublicKey(kickPEM)
	if err != nil {
		// The PEM is compiled in and a test parses it: this is a build fault.
		panic("kick: embedded public key: " + err.Error())
	}
	return k
})

// ParsePublicKey parses the first PEM block of pemBytes as an RSA public
// key, in PKIX form ("PUBLIC KEY", what Kick publishes) or PKCS #1 form
// ("RSA PUBLIC KEY"). Keys shorter than MinKeyBits are refused.
func ParsePublicKey(pemBytes []byte) (*rsa.PublicKey, error) {
	block, _ := pem.Decode(pemBytes)
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	var (
		key *rsa.PublicKey
		err error
	)
	switch block.Type {
	case "PUBLIC KEY":
		var k any
		k, err = x509.ParsePKIXPublicKey(block.Bytes)
		if err == nil {
			var ok bool
			if key, ok = k.(*rsa.PublicKey); !ok {
				return nil, fmt.Errorf("public key is %T, want RSA", k)
			}
		}
	case "RSA PUBLIC KEY":
		key, err = x509.ParsePKCS1PublicKey(block.Bytes)
	default:
		return nil, fmt.Errorf("PEM block is %q, want PUBLIC KEY", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("parse public key: %w", err)
	}
	if n := key.N.BitLen(); n < MinKeyBits {
		return nil, fmt.Errorf("RSA key has %d bits, want at least %d", n, MinKeyBits)
	}
	return key, nil
}

// LoadPublicKey reads a PEM file, such as the one KICK_PUBLIC_KEY_FILE
// names to override Kick's key in local runs or after a rotation.
func LoadPublicKey(path string) (*rsa.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load kick public key: %w", err)
	}
	k, err := ParsePublicKey(b)
	if err != nil {
		return nil, fmt.Errorf("load kick public key %s: %w", path, err)
	}
	return k, nil
}
