// Package kicksim plays Kick's side of a webhook: it builds deliveries
// (from fixture files or a scripted scenario of a stream) and sends them
// signed with a private key, exactly as Kick signs them. The replayer and
// the local runner's tests use it.
package kicksim

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/binary"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/kick"
)

// Delivery is one webhook call as Kick would make it.
type Delivery struct {
	ID   string     // Kick-Event-Message-Id
	Type event.Type // Kick-Event-Type
	At   time.Time  // Kick-Event-Message-Timestamp
	Body []byte
}

// Sender posts signed deliveries to a webhook URL.
type Sender struct {
	URL    string
	Key    *rsa.PrivateKey
	Client *http.Client
}

// Headers returns the signed Kick-Event-* headers of d.
func (s *Sender) Headers(d Delivery) (http.Header, error) {
	return kick.SignedHeaders(s.Key, d.ID, string(d.Type), d.At, d.Body)
}

// Send signs and posts d and returns the response status.
func (s *Sender) Send(ctx context.Context, d Delivery) (int, error) {
	h, err := s.Headers(d)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(d.Body))
	if err != nil {
		return 0, err
	}
	req.Header = h
	req.Header.Set("Content-Type", "application/json")
	c := s.Client
	if c == nil {
		c = http.DefaultClient
	}
	res, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	return res.StatusCode, nil
}

// Fixtures loads every fixture body in dir (files named "<event type>.json"
// or "<event type>.<variant>.json") as deliveries stamped at.
func Fixtures(dir string, at time.Time) ([]Delivery, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	ids := NewIDs(at)
	var out []Delivery
	for _, name := range names {
		typ := fixtureType(filepath.Base(name))
		if typ == "" {
			continue
		}
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		out = append(out, Delivery{ID: ids.Next(at), Type: typ, At: at, Body: b})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no fixtures in %s", dir)
	}
	return out, nil
}

// fixtureType is the event type a fixture file is named after, or "".
func fixtureType(base string) event.Type {
	name := strings.TrimSuffix(base, ".json")
	for _, t := range event.Types {
		if name == string(t) || strings.HasPrefix(name, string(t)+".") {
			return t
		}
	}
	return ""
}

// WritePrivateKey stores key as PKCS#8 PEM at path, readable by the owner only.
func WritePrivateKey(path string, key *rsa.PrivateKey) error {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
}

// WritePublicKey stores key's public half as PKIX PEM at path.
func WritePublicKey(path string, key *rsa.PublicKey) error {
	der, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o644)
}

// ReadPrivateKey loads an RSA private key in PKCS#8 or PKCS#1 PEM.
func ReadPrivateKey(path string) (*rsa.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		return nil, fmt.Errorf("%s: no PEM block", path)
	}
	if k, err := x509.ParsePKCS1PrivateKey(blk.Bytes); err == nil {
		return k, nil
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	rk, ok := k.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New(path + ": not an RSA key")
	}
	return rk, nil
}

// IDs mints ULID-shaped message ids (26 Crockford base32 characters: 48 bits
// of milliseconds, 80 bits of entropy), increasing within a run.
type IDs struct {
	n uint64
	r [8]byte
}

// NewIDs starts a sequence; seed only varies the entropy part.
func NewIDs(seed time.Time) *IDs {
	ids := &IDs{}
	if _, err := rand.Read(ids.r[:]); err != nil {
		binary.BigEndian.PutUint64(ids.r[:], uint64(seed.UnixNano()))
	}
	return ids
}

const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// Next returns a new id for a delivery sent at t.
func (ids *IDs) Next(t time.Time) string {
	ids.n++
	var b [16]byte
	ms := uint64(t.UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	copy(b[6:8], ids.r[:2])
	binary.BigEndian.PutUint64(b[8:], binary.BigEndian.Uint64(ids.r[:])^ids.n)
	// 128 bits -> 26 base32 characters, most significant first.
	var out [26]byte
	hi, lo := binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])
	for i := 25; i >= 0; i-- {
		out[i] = crockford[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out[:])
}

// KeyDir is where a local runner listening on addr ("host:port") keeps
// the key pairs it generates, under base (LOCAL_DIR): one directory per
// port, so that two runners in one checkout never overwrite each other's
// keys, and the replayer finds the right ones from the port of its URL
// whatever host name it uses for the runner.
func KeyDir(base, addr string) string {
	_, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" {
		port = strings.NewReplacer(":", "_", "/", "_").Replace(addr)
	}
	return filepath.Join(base, port)
}
