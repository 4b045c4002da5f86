package kick_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kickbot/kickbot/shared/kick"
)

func TestDefaultPublicKey(t *testing.T) {
	k := kick.DefaultPublicKey()
	if got, want := k.N.BitLen(), 2048; got != want {
		t.Errorf("DefaultPublicKey() has %d bits, want %d", got, want)
	}
	if got, want := k.E, 65537; got != want {
		t.Errorf("DefaultPublicKey().E = %d, want %d", got, want)
	}
	if kick.DefaultPublicKey() != k {
		t.Error("DefaultPublicKey() parsed the key twice")
	}
}

func pemOf(t *testing.T, typ string, der []byte) []byte {
	t.Helper()
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func TestParsePublicKey(t *testing.T) {
	pub := &testKey().PublicKey
	pkix, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	smallDER, err := x509.MarshalPKIXPublicKey(&small.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		in      []byte
		wantErr string
	}{
		{"PKIX", pemOf(t, "PUBLIC KEY", pkix), ""},
		{"PKCS1", pemOf(t, "RSA PUBLIC KEY", x509.MarshalPKCS1PublicKey(pub)), ""},
		{"not PEM", []byte("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAq"), "no PEM block"},
		{"private key block", pemOf(t, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(testKey())), "want PUBLIC KEY"},
		{"garbage DER", pemOf(t, "PUBLIC KEY", []byte("nope")), "parse public key"},
		{"1024 bits", pemOf(t, "PUBLIC KEY", smallDER), "want at least 2048"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := kick.ParsePublicKey(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParsePublicKey() error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParsePublicKey() error = %v", err)
			}
			if !got.Equal(pub) {
				t.Error("ParsePublicKey() returned a different key")
			}
		})
	}
}

func TestLoadPublicKey(t *testing.T) {
	pkix, err := x509.MarshalPKIXPublicKey(&testKey().PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "kick.pem")
	if err := os.WriteFile(path, pemOf(t, "PUBLIC KEY", pkix), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := kick.LoadPublicKey(path)
	if err != nil {
		t.Fatalf("LoadPublicKey() error = %v", err)
	}
	if !got.Equal(&testKey().PublicKey) {
		t.Error("LoadPublicKey() returned a different key")
	}
	if _, err := kick.LoadPublicKey(filepath.Join(t.TempDir(), "missing.pem")); err == nil {
		t.Error("LoadPublicKey(missing file) error = nil, want one")
	}
}
