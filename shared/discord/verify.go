// Package discord is the adapter for Discord's HTTP interactions and REST
// API: it verifies and answers interactions, reads the few facts handlers
// need from them, and edits, follows up and registers commands over REST.
//
// Handlers get and return discordgo's wire types; the accessors (Caller,
// CommandPath, …) turn them into plain values, so that domain packages never
// import discordgo.
package discord

import (
	"bytes"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kickbot/kickbot/shared/fault"
)

// The signature headers of an interaction, in canonical form (Header.Get
// reads them).
const (
	HeaderSignature = "X-Signature-Ed25519"
	HeaderTimestamp = "X-Signature-Timestamp"
)

// Path is where the interactions endpoint URL points.
const Path = "/interactions"

// MaxBody is the largest interaction body read. We register chat commands
// only (no message context menus), whose payloads are a few KiB.
const MaxBody = 64 << 10

// Freshness of an interaction's timestamp.
const (
	// DefaultMaxAge is how old a timestamp may be when Verifier.MaxAge is
	// zero. Discord does not retry interactions and wants an answer within
	// 3 s, so anything older is a replay.
	DefaultMaxAge = 5 * time.Minute
	// MaxSkew is how far in the future a timestamp may be (clock drift).
	MaxSkew = time.Minute
)

// maxTimestampLen bounds the digits of a unix-seconds timestamp, so parsing
// cannot overflow and the check stays cheap.
const maxTimestampLen = 19

// Verifier checks that interactions were signed by Discord and are fresh.
type Verifier struct {
	// Key is the application's public key (ParsePublicKey of
	// DISCORD_PUBLIC_KEY).
	Key ed25519.PublicKey
	// MaxAge bounds the timestamp's age; zero means DefaultMaxAge.
	MaxAge time.Duration
}

// ParsePublicKey decodes the hex public key shown in Discord's developer
// portal.
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	b, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil {
		return nil, fault.E(fault.Invalid, "discord public key is not hex")
	}
	if len(b) != ed25519.PublicKeySize {
		return nil, fault.E(fault.Invalid, "discord public key has %d bytes, want %d", len(b), ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(b), nil
}

// Verify checks r's Ed25519 signature over timestamp+body and that the
// timestamp is within MaxAge before and MaxSkew after now. It reads at most
// MaxBody bytes and leaves r.Body holding the same bytes.
//
// A missing or garbled signature or timestamp, a bad signature or a stale
// timestamp is fault.Forbidden (answer 401: Discord probes the endpoint
// with bad signatures when its URL is saved). An oversize body is
// fault.Invalid wrapping *http.MaxBytesError (answer 413); a Verifier
// without a valid key is fault.Internal.
func (v Verifier) Verify(r *http.Request, now time.Time) error {
	_, err := v.verify(r, now)
	return err
}

// verify is Verify that also returns the body it read.
func (v Verifier) verify(r *http.Request, now time.Time) ([]byte, error) {
	if len(v.Key) != ed25519.PublicKeySize {
		// ed25519.Verify panics on a key of another size.
		return nil, fault.E(fault.Internal, "no valid discord public key configured")
	}
	ts := r.Header.Get(HeaderTimestamp)
	switch {
	case r.Header.Get(HeaderSignature) == "":
		return nil, fault.E(fault.Forbidden, "missing signature")
	case ts == "":
		return nil, fault.E(fault.Forbidden, "missing timestamp")
	}
	sent, ok := parseUnix(ts)
	if !ok {
		return nil, fault.E(fault.Forbidden, "bad timestamp")
	}
	maxAge := v.MaxAge
	if maxAge <= 0 {
		maxAge = DefaultMaxAge
	}
	// Cheap checks first: a replay must not cost a body read or a verify.
	if now.Sub(sent) > maxAge {
		return nil, fault.E(fault.Forbidden, "stale timestamp")
	}
	if sent.Sub(now) > MaxSkew {
		return nil, fault.E(fault.Forbidden, "timestamp in the future")
	}
	// The signed message is the timestamp then the body: the body is read
	// after the timestamp into one buffer, which is verified as it is.
	msg, err := readBody(r, ts)
	if err != nil {
		return nil, err
	}
	// What discordgo.VerifyInteraction checks, without its second copy of
	// the body.
	sig, err := hex.DecodeString(r.Header.Get(HeaderSignature))
	if err != nil || len(sig) != ed25519.SignatureSize || !ed25519.Verify(v.Key, msg, sig) {
		return nil, fault.E(fault.Forbidden, "bad signature")
	}
	return msg[len(ts):], nil
}

// parseUnix parses unix seconds in the one form Discord sends: decimal
// digits without sign or leading zeros.
func parseUnix(s string) (time.Time, bool) {
	if len(s) > maxTimestampLen || len(s) > 1 && s[0] == '0' {
		return time.Time{}, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return time.Time{}, false
		}
	}
	sec, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(sec, 0), true
}

// readBody reads at most MaxBody bytes of r.Body and replaces it with a
// reader of the same bytes; it returns prefix followed by them.
func readBody(r *http.Request, prefix string) ([]byte, error) {
	if r.Body == nil {
		r.Body = http.NoBody
	}
	if r.ContentLength > MaxBody {
		return nil, fault.Wrap(fault.Invalid, &http.MaxBytesError{Limit: MaxBody}, "body too large")
	}
	size := 512
	if r.ContentLength > 0 {
		size = int(r.ContentLength) + 1 // +1 so the final read sees EOF without growing
	}
	buf := append(make([]byte, 0, len(prefix)+size), prefix...)
	rd := http.MaxBytesReader(nil, r.Body, MaxBody)
	for {
		n, err := rd.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return nil, fault.Wrap(fault.Invalid, err, "body too large")
			}
			return nil, fault.Wrap(fault.Invalid, err, "body unreadable")
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
	}
	r.Body = io.NopCloser(bytes.NewReader(buf[len(prefix):]))
	return buf, nil
}

// Sign returns the X-Signature-Ed25519 value Discord would send: hex of an
// Ed25519 signature over timestamp+body. It is for tests, the local runner
// and the replayer.
func Sign(priv ed25519.PrivateKey, timestamp string, body []byte) string {
	msg := make([]byte, 0, len(timestamp)+len(body))
	msg = append(msg, timestamp...)
	msg = append(msg, body...)
	return hex.EncodeToString(ed25519.Sign(priv, msg))
}

// SignedHeaders returns the headers Discord sends with body at ts, signed by
// priv, plus Content-Type.
func SignedHeaders(priv ed25519.PrivateKey, ts time.Time, body []byte) http.Header {
	stamp := strconv.FormatInt(ts.Unix(), 10)
	h := make(http.Header, 3)
	h.Set(HeaderSignature, Sign(priv, stamp, body))
	h.Set(HeaderTimestamp, stamp)
	h.Set("Content-Type", "application/json")
	return h
}
