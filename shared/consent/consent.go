// Package consent is the bot's side of Kick's OAuth consent: the signed,
// expiring `state` that carries who asked and why through the browser, and
// the PKCE verifier and S256 challenge (RFC 7636) that bind the
// authorization code to the flow that started it.
//
// # Where the verifier lives
//
// The verifier must never appear in a URL: the challenge goes to Kick, the
// verifier only to the token endpoint. Rather than storing it at the start
// of the flow (one write per click, most never completed, and a record to
// expire), it is derived: Verifier(key, nonce) is an HMAC-SHA256 of the
// state's nonce under a key derived from the state-signing key. The start
// of the flow then writes nothing; the callback opens the state, derives
// the same verifier and redeems the code. An attacker who sees the state
// sees only the nonce, and without the key cannot compute the verifier, so
// an intercepted code stays useless to them. Sealing the verifier into the
// state (encrypted) would work too, but adds a cipher and lengthens the URL
// for nothing the derivation does not already give.
//
// The signing and derivation keys are separate HMAC derivations of the one
// configured key (at least 32 bytes), so a state MAC is never a verifier.
//
// # Token format
//
//	v1.<payload>.<mac>
//
// payload and mac are unpadded base64url. The payload is 41 bytes: the
// purpose (1), the expiry in Unix seconds (8, big-endian), the nonce (16),
// the guild id (8) and the user id (8). mac is HMAC-SHA256 over "v1." and the
// encoded payload. The token uses only URL-unreserved characters, so it goes
// into a query string unescaped. Decoding is strict, so every accepted token
// has exactly one form: Seal(Open(t)) == t. The version prefix lets a later
// format (or a key id) be introduced while v1 tokens still open; a key
// rotation simply fails the states in flight (they live minutes), and the
// user starts again.
//
// # What this package does not do
//
// A state is single-use, but Open cannot know whether it was used: the
// store enforces that with a conditional write on the nonce when the
// callback claims it (keep the claim at least until Expires). Open checks
// only authenticity and expiry.
package consent

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/kickbot/kickbot/shared/fault"
)

// Purpose says what a consent is for; the callback acts on it.
type Purpose uint8

const (
	// Connect: a guild admin connects the guild's Kick channel (the
	// streamer consents to chat:write, events:subscribe and so on).
	Connect Purpose = 1
	// Link: a guild member links their own Kick account (user:read).
	Link Purpose = 2
)

func (p Purpose) String() string {
	switch p {
	case Connect:
		return "connect"
	case Link:
		return "link"
	default:
		return "purpose(" + strconv.Itoa(int(p)) + ")"
	}
}

// Valid reports whether p is a known purpose.
func (p Purpose) Valid() bool { return p == Connect || p == Link }

// State is what a consent carries from the Discord command that started it
// to the OAuth callback.
type State struct {
	Purpose Purpose
	// Guild and User are the Discord guild and the member who asked, as
	// snowflakes (decimal, no leading zero). Both are required for both
	// purposes: links, like everything else, are per guild.
	Guild, User string
	// Nonce names this consent: the key of the single-use claim and the
	// seed of the PKCE verifier. NonceLen characters of base64url (16
	// random bytes).
	Nonce string
	// Expires is when the state stops opening; it is kept to the second.
	Expires time.Time
}

// Limits and defaults.
const (
	// MinKeyLen is the shortest key Seal, Open and Verifier accept.
	MinKeyLen = 32
	// TTL is how long a new state lasts: long enough to log in to Kick
	// and read a consent page, short enough that a leaked link soon dies.
	TTL = 10 * time.Minute
	// MaxTTL bounds how far in the future an opened state may expire, so a
	// state sealed with a wrong expiry cannot live for long.
	MaxTTL = time.Hour
	// MaxTokenLen bounds what Open reads; a v1 token is 102 characters.
	MaxTokenLen = 256
	// NonceLen is the length of a nonce: 16 bytes in base64url.
	NonceLen = 22
	// VerifierLen is the length of the verifiers made here (RFC 7636
	// allows 43 to 128).
	VerifierLen = 43
)

// ErrExpired is in the chain of the error Open returns for a genuine state
// whose time has passed; test with errors.Is.
var ErrExpired = errors.New("consent state expired")

const (
	version    = "v1."
	nonceBytes = 16
	payloadLen = 1 + 8 + nonceBytes + 8 + 8
	macLen     = sha256.Size
)

var b64 = base64.RawURLEncoding.Strict()

// New returns a state for purpose p asked by user in guild, expiring TTL
// after now, with a nonce read from rand (crypto/rand.Reader in
// production).
func New(p Purpose, guild, user string, now time.Time, rand io.Reader) (State, error) {
	var n [nonceBytes]byte
	if _, err := io.ReadFull(rand, n[:]); err != nil {
		return State{}, fault.Wrap(fault.Internal, err, "read random nonce")
	}
	s := State{Purpose: p, Guild: guild, User: user, Nonce: b64.EncodeToString(n[:]), Expires: now.Add(TTL).Truncate(time.Second).UTC()}
	if err := s.validate(); err != nil {
		return State{}, err
	}
	return s, nil
}

// Seal encodes s as a signed, URL-safe token. Expires is truncated to the
// second. A key shorter than MinKeyLen is an Internal error; a state with
// an unknown purpose, a guild or user that is not a snowflake, a malformed
// nonce or no expiry is Invalid.
func Seal(key []byte, s State) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	if err := s.validate(); err != nil {
		return "", err
	}
	var p [payloadLen]byte
	p[0] = byte(s.Purpose)
	binary.BigEndian.PutUint64(p[1:9], uint64(s.Expires.Unix()))
	nonce, _ := b64.DecodeString(s.Nonce) // validate checked it
	copy(p[9:9+nonceBytes], nonce)
	guild, _ := snowflake(s.Guild)
	user, _ := snowflake(s.User)
	binary.BigEndian.PutUint64(p[9+nonceBytes:], guild)
	binary.BigEndian.PutUint64(p[17+nonceBytes:], user)
	signed := version + b64.EncodeToString(p[:])
	return signed + "." + b64.EncodeToString(mac(key, signed)), nil
}

// Open checks token's signature and expiry at now and returns its state.
// A malformed, tampered or unknown-version token is Invalid with a message
// that says no more than that; a genuine token at or after its expiry is
// Invalid with ErrExpired in its chain and a message saying to start again.
// A key shorter than MinKeyLen is an Internal error.
func Open(key []byte, token string, now time.Time) (State, error) {
	if err := checkKey(key); err != nil {
		return State{}, err
	}
	bad := fault.E(fault.Invalid, "this link is not valid; ask for a new one")
	if len(token) > MaxTokenLen {
		return State{}, bad
	}
	for i := range len(token) {
		if !unreserved(token[i]) {
			return State{}, bad
		}
	}
	if !strings.HasPrefix(token, version) {
		return State{}, bad
	}
	signed, sig, ok := strings.Cut(token[len(version):], ".")
	if !ok {
		return State{}, bad
	}
	signed = version + signed
	got, err := b64.DecodeString(sig)
	if err != nil || len(got) != macLen || !hmac.Equal(got, mac(key, signed)) {
		return State{}, bad
	}
	p, err := b64.DecodeString(signed[len(version):])
	if err != nil || len(p) != payloadLen {
		return State{}, bad
	}
	exp := int64(binary.BigEndian.Uint64(p[1:9]))
	s := State{
		Purpose: Purpose(p[0]),
		Expires: time.Unix(exp, 0).UTC(),
		Nonce:   b64.EncodeToString(p[9 : 9+nonceBytes]),
		Guild:   strconv.FormatUint(binary.BigEndian.Uint64(p[9+nonceBytes:]), 10),
		User:    strconv.FormatUint(binary.BigEndian.Uint64(p[17+nonceBytes:]), 10),
	}
	// A genuine token always validates; this guards a key that signed
	// something else.
	if s.validate() != nil || exp <= 0 {
		return State{}, bad
	}
	if !now.Before(s.Expires) {
		return State{}, fault.Wrap(fault.Invalid, ErrExpired, "this link has expired; ask for a new one")
	}
	if s.Expires.Sub(now) > MaxTTL {
		return State{}, bad
	}
	return s, nil
}

// Verifier returns the PKCE code verifier of the consent named by nonce:
// VerifierLen characters of base64url, derived from key so that nothing
// needs storing between the redirect to Kick and the callback. Send
// Challenge(verifier) with the authorization request and the verifier with
// the code exchange.
func Verifier(key []byte, nonce string) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	if !validNonce(nonce) {
		return "", fault.E(fault.Invalid, "malformed consent nonce")
	}
	h := hmac.New(sha256.New, subkey(key, "kickbot consent pkce v1"))
	h.Write([]byte(nonce))
	return b64.EncodeToString(h.Sum(nil)), nil
}

// NewVerifier returns a random PKCE code verifier: 32 bytes from rand as
// VerifierLen characters of base64url, within RFC 7636's unreserved set and
// length. Use it where a verifier is stored rather than derived.
func NewVerifier(rand io.Reader) (string, error) {
	var b [32]byte
	if _, err := io.ReadFull(rand, b[:]); err != nil {
		return "", fault.Wrap(fault.Internal, err, "read random verifier")
	}
	return b64.EncodeToString(b[:]), nil
}

// Challenge returns the S256 code challenge of verifier: the unpadded
// base64url encoding of its SHA-256.
func Challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func (s State) validate() error {
	switch {
	case !s.Purpose.Valid():
		return fault.E(fault.Invalid, "unknown consent purpose %d", s.Purpose)
	case !isSnowflake(s.Guild):
		return fault.E(fault.Invalid, "consent guild %q is not a Discord id", clip(s.Guild))
	case !isSnowflake(s.User):
		return fault.E(fault.Invalid, "consent user %q is not a Discord id", clip(s.User))
	case !validNonce(s.Nonce):
		return fault.E(fault.Invalid, "malformed consent nonce")
	case s.Expires.Unix() <= 0:
		return fault.E(fault.Invalid, "consent state has no expiry")
	}
	return nil
}

func checkKey(key []byte) error {
	if len(key) < MinKeyLen {
		return fault.E(fault.Internal, "consent key must be at least %d bytes", MinKeyLen)
	}
	return nil
}

func mac(key []byte, signed string) []byte {
	h := hmac.New(sha256.New, subkey(key, "kickbot consent state v1"))
	h.Write([]byte(signed))
	return h.Sum(nil)
}

// subkey derives a key for one use from the configured key, so that the
// state MAC and the verifier never share a key.
func subkey(key []byte, label string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(label))
	return h.Sum(nil)
}

func validNonce(n string) bool {
	if len(n) != NonceLen {
		return false
	}
	b, err := b64.DecodeString(n)
	return err == nil && len(b) == nonceBytes && b64.EncodeToString(b) == n
}

// snowflake parses a canonical Discord id: decimal, no sign, no leading
// zero, not zero, fitting in 64 bits.
func snowflake(s string) (uint64, bool) {
	if s == "" || len(s) > 20 || s[0] == '0' {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 64)
	return n, err == nil
}

func isSnowflake(s string) bool { _, ok := snowflake(s); return ok }

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.'
}

func clip(s string) string {
	if len(s) > 24 {
		return fmt.Sprintf("%.24s…", s)
	}
	return s
}
