package kick

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strings"
	"time"

	"github.com/kickbot/kickbot/shared/fault"
)

// The headers of a delivery, in canonical form (kick-api.md §3.1). Only the
// message id, timestamp and body are signed; type, version and subscription
// id are not.
const (
	HeaderMessageID      = "Kick-Event-Message-Id"
	HeaderSubscriptionID = "Kick-Event-Subscription-Id"
	HeaderSignature      = "Kick-Event-Signature"
	HeaderTimestamp      = "Kick-Event-Message-Timestamp"
	HeaderType           = "Kick-Event-Type"
	HeaderVersion        = "Kick-Event-Version"
)

// The default freshness window of a delivery's timestamp.
const (
	// MaxAge is how old a timestamp may be. Kick retries failed deliveries
	// for about a day and does not say whether a retry is re-signed
	// (kick-api.md §3.4), so a tight window would drop late retries and get
	// the app unsubscribed. The dedupe record must live at least this long.
	MaxAge = 48 * time.Hour
	// MaxSkew is how far in the future a timestamp may be (clock drift).
	MaxSkew = 5 * time.Minute
)

// maxMessageID bounds the message id, which becomes a database key.
const maxMessageID = 128

// maxSigBytes is the size of a 4096-bit signature, the largest accepted.
const maxSigBytes = 4096 / 8

// maxSigLen is the padded base64 length of a maxSigBytes signature; longer
// headers are refused before decoding.
const maxSigLen = (maxSigBytes + 2) / 3 * 4

// sigBuf holds the decoding of any header up to maxSigLen characters. It is
// not maxSigBytes: maxSigLen characters without padding decode to one byte
// more (684 characters are 513 bytes), and Decode writes past a buffer
// sized for the signature rather than fail.
const sigBuf = maxSigLen / 4 * 3

// Delivery is what a delivery's headers say, once verified.
type Delivery struct {
	MessageID      string
	SubscriptionID string
	Type           string
	Version        string
	// Timestamp is the signed send time, in UTC.
	Timestamp time.Time
}

// Verifier checks that deliveries were signed by Kick and are fresh. Make
// one with NewVerifier (the zero Verifier trusts no key); its fields may be
// changed before first use, not during.
type Verifier struct {
	// MaxAge and MaxSkew bound the timestamp: now-MaxAge ≤ ts ≤ now+MaxSkew.
	MaxAge  time.Duration
	MaxSkew time.Duration

	keys []*rsa.PublicKey
}

// NewVerifier returns a Verifier that accepts a signature valid under any of
// keys, so a rotated key can be trusted beside the old one. Nil keys are
// skipped; with none left it trusts DefaultPublicKey.
func NewVerifier(keys ...*rsa.PublicKey) *Verifier {
	v := &Verifier{MaxAge: MaxAge, MaxSkew: MaxSkew}
	for _, k := range keys {
		if k != nil {
			v.keys = append(v.keys, k)
		}
	}
	if len(v.keys) == 0 {
		v.keys = []*rsa.PublicKey{DefaultPublicKey()}
	}
	return v
}

// Verify checks the delivery made of headers h and the raw body at time now.
// Missing or malformed headers are fault.Invalid; a missing or wrong
// signature, or a timestamp outside the window, is fault.Forbidden.
// h is read with canonical names; lambdahttp.Request canonicalises the
// lower-case names API Gateway delivers.
func (v *Verifier) Verify(h http.Header, body []byte, now time.Time) (Delivery, error) {
	d := Delivery{
		MessageID: h.Get(HeaderMessageID),
		Type:      h.Get(HeaderType),
	}
	ts := h.Get(HeaderTimestamp)
	switch {
	case d.MessageID == "":
		return Delivery{}, fault.E(fault.Invalid, "missing %s header", HeaderMessageID)
	case ts == "":
		return Delivery{}, fault.E(fault.Invalid, "missing %s header", HeaderTimestamp)
	case d.Type == "":
		return Delivery{}, fault.E(fault.Invalid, "missing %s header", HeaderType)
	case len(d.MessageID) > maxMessageID:
		return Delivery{}, fault.E(fault.Invalid, "message id too long")
	case strings.IndexByte(d.MessageID, '.') >= 0:
		// A dot would let bytes slide between the id and the timestamp
		// without changing the signed string.
		return Delivery{}, fault.E(fault.Invalid, "message id contains a dot")
	case !printable(d.MessageID):
		// The id becomes a DynamoDB key, which must be UTF-8: refused
		// here, not by the store after the viewer was already touched.
		return Delivery{}, fault.E(fault.Invalid, "message id is not printable ASCII")
	}
	sig := h.Get(HeaderSignature)
	if sig == "" {
		return Delivery{}, fault.E(fault.Forbidden, "missing signature")
	}
	t, err := time.Parse(time.RFC3339, ts) // also takes fractional seconds
	if err != nil {
		return Delivery{}, fault.E(fault.Invalid, "bad timestamp")
	}
	d.Timestamp = t.UTC()

	// Cheap checks first: a stale replay must not cost an RSA operation.
	if now.Sub(t) > v.MaxAge {
		return Delivery{}, fault.E(fault.Forbidden, "stale timestamp")
	}
	if t.Sub(now) > v.MaxSkew {
		return Delivery{}, fault.E(fault.Forbidden, "timestamp in the future")
	}
	if len(sig) > maxSigLen {
		return Delivery{}, fault.E(fault.Forbidden, "bad signature")
	}
	var raw [sigBuf]byte
	n, err := base64.StdEncoding.Decode(raw[:], []byte(sig))
	if err != nil {
		// The decoder's error names an offset, never the data; still, say less.
		return Delivery{}, fault.E(fault.Forbidden, "bad signature encoding")
	}
	if n > maxSigBytes {
		return Delivery{}, fault.E(fault.Forbidden, "bad signature")
	}
	digest := signedDigest(d.MessageID, ts, body)
	if !v.verify(digest[:], raw[:n]) {
		return Delivery{}, fault.E(fault.Forbidden, "bad signature")
	}
	d.SubscriptionID = h.Get(HeaderSubscriptionID)
	d.Version = h.Get(HeaderVersion)
	return d, nil
}

// printable reports whether s is only printable ASCII other than space, as
// Kick's ULIDs are.
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '!' || s[i] > '~' {
			return false
		}
	}
	return true
}

func (v *Verifier) verify(digest, sig []byte) bool {
	for _, k := range v.keys {
		if rsa.VerifyPKCS1v15(k, crypto.SHA256, digest, sig) == nil {
			return true
		}
	}
	return false
}

// signedDigest hashes messageID.timestamp.body (kick-api.md §3.2) without
// copying the body.
func signedDigest(messageID, timestamp string, body []byte) [sha256.Size]byte {
	h := sha256.New()
	prefix := make([]byte, 0, len(messageID)+len(timestamp)+2)
	prefix = append(prefix, messageID...)
	prefix = append(prefix, '.')
	prefix = append(prefix, timestamp...)
	prefix = append(prefix, '.')
	h.Write(prefix)
	h.Write(body)
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

// Sign returns the Kick-Event-Signature value Kick would send for a delivery:
// base64 of an RSA PKCS #1 v1.5 SHA-256 signature over
// messageID.timestamp.body. It is for tests and the replayer.
func Sign(priv *rsa.PrivateKey, messageID, timestamp string, body []byte) (string, error) {
	digest := signedDigest(messageID, timestamp, body)
	sig, err := rsa.SignPKCS1v15(rand.Reader, priv, crypto.SHA256, digest[:])
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(sig), nil
}

// TestSubscriptionID is the subscription id SignedHeaders sends; callers may
// Set another, since it is not signed.
const TestSubscriptionID = "01JQ80H3W7XK2D9M4ZC1V6B8TA"

// SignedHeaders returns the six headers Kick sends with body, signed by priv,
// with ts in RFC 3339 (UTC, whole seconds) and version "1".
func SignedHeaders(priv *rsa.PrivateKey, messageID, eventType string, ts time.Time, body []byte) (http.Header, error) {
	stamp := ts.UTC().Format(time.RFC3339)
	sig, err := Sign(priv, messageID, stamp, body)
	if err != nil {
		return nil, err
	}
	h := make(http.Header, 6)
	h.Set(HeaderMessageID, messageID)
	h.Set(HeaderSubscriptionID, TestSubscriptionID)
	h.Set(HeaderSignature, sig)
	h.Set(HeaderTimestamp, stamp)
	h.Set(HeaderType, eventType)
	h.Set(HeaderVersion, "1")
	return h, nil
}
