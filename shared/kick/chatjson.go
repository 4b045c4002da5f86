//go:build chathand

package kick

import (
	"bytes"
	"encoding/json"
	"time"
	"unicode/utf8"
)

// Chat messages are most of Kick's deliveries, and encoding/json spends
// about a third of an RSA verify on one. decodeChat reads the usual shape of
// a chat payload in one pass without reflection, about four times faster
// (BenchmarkParse). For anything unusual
// (escaped or case-variant keys, repeated keys, numbers that are not plain
// integers, a type mismatch, deep nesting, malformed JSON) it reports false
// and Parse falls back to encoding/json, so that remains the definition:
// whenever decodeChat succeeds its result equals encoding/json's
// (FuzzDecodeChat checks this).

// maxSkipDepth bounds the nesting decodeChat skips through; deeper input is
// left to encoding/json.
const maxSkipDepth = 64

// scanner walks JSON in b from position i. Every method reports false when
// the input is not what the fast path handles.
type scanner struct {
	b []byte
	i int
}

// peek skips white space and returns the next byte, or 0 at the end.
func (s *scanner) peek() byte {
	for s.i < len(s.b) {
		switch c := s.b[s.i]; c {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return c
		}
	}
	return 0
}

// literal consumes word (null, true or false) if it comes next.
func (s *scanner) literal(word string) bool {
	if len(s.b)-s.i < len(word) || string(s.b[s.i:s.i+len(word)]) != word {
		return false
	}
	s.i += len(word)
	return true
}

// null consumes a null if one comes next.
func (s *scanner) null() bool { return s.peek() == 'n' && s.literal("null") }

// rawString consumes a string and returns the bytes between its quotes and
// whether they hold an escape.
func (s *scanner) rawString() (raw []byte, escaped, ok bool) {
	if s.peek() != '"' {
		return nil, false, false
	}
	s.i++
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			raw = s.b[start:s.i]
			s.i++
			return raw, escaped, true
		case c == '\\':
			escaped = true
			if s.i+1 >= len(s.b) {
				return nil, false, false
			}
			switch s.b[s.i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				s.i += 2
			case 'u':
				if s.i+6 > len(s.b) {
					return nil, false, false
				}
				for _, h := range s.b[s.i+2 : s.i+6] {
					if !isHex(h) {
						return nil, false, false
					}
				}
				s.i += 6
			default:
				return nil, false, false
			}
		case c < 0x20:
			return nil, false, false
		default:
			s.i++
		}
	}
	return nil, false, false
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// str reads a string or null (which leaves *dst alone, as encoding/json does).
func (s *scanner) str(dst *string) bool {
	if s.null() {
		return true
	}
	start := s.i
	raw, escaped, ok := s.rawString()
	if !ok {
		return false
	}
	if !escaped && utf8.Valid(raw) {
		*dst = string(raw)
		return true
	}
	// Escapes and invalid UTF-8 are rare: let encoding/json unquote them.
	v, ok := unquote(s.b[start:s.i])
	if ok {
		*dst = v
	}
	return ok
}

// unquote is apart from str so that only this rare path allocates a target
// for encoding/json.
func unquote(quoted []byte) (string, bool) {
	var v string
	err := json.Unmarshal(quoted, &v)
	return v, err == nil
}

// int reads an integer that fits in 18 digits, or null.
func (s *scanner) int(dst *int64) bool {
	if s.null() {
		return true
	}
	neg := s.peek() == '-'
	if neg {
		s.i++
	}
	start := s.i
	var v int64
	for s.i < len(s.b) && '0' <= s.b[s.i] && s.b[s.i] <= '9' {
		v = v*10 + int64(s.b[s.i]-'0')
		s.i++
	}
	n := s.i - start
	if n == 0 || n > 18 || n > 1 && s.b[start] == '0' {
		return false
	}
	if s.i < len(s.b) {
		if c := s.b[s.i]; c == '.' || c == 'e' || c == 'E' {
			return false
		}
	}
	if neg {
		v = -v
	}
	*dst = v
	return true
}

// bool reads true, false or null.
func (s *scanner) bool(dst *bool) bool {
	switch s.peek() {
	case 't':
		*dst = true
		return s.literal("true")
	case 'f':
		*dst = false
		return s.literal("false")
	case 'n':
		return s.literal("null")
	}
	return false
}

// time reads an RFC 3339 string, "" or null, as kickTime.UnmarshalJSON does.
func (s *scanner) time(dst *kickTime) bool {
	if s.null() {
		return true
	}
	var v string
	if !s.str(&v) {
		return false
	}
	if v == "" {
		return true
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return false
	}
	dst.Time = t.UTC()
	return true
}

// object reads an object, calling field for each key in known while the
// scanner is at its value; field consumes the value. Other keys are skipped
// at nesting depth. A repeated known key, or an unknown one that differs
// from a known key only in case, is left to encoding/json.
func (s *scanner) object(depth int, known []string, field func(key []byte) bool) bool {
	if s.peek() != '{' {
		return false
	}
	s.i++
	if s.peek() == '}' {
		s.i++
		return true
	}
	var seen uint32 // bit j: known[j] was read
	for {
		key, escaped, ok := s.rawString()
		if !ok || escaped || s.peek() != ':' {
			return false
		}
		s.i++
		j := 0
		for j < len(known) && string(key) != known[j] {
			j++
		}
		switch {
		case j < len(known):
			if seen&(1<<j) != 0 || !field(key) {
				return false
			}
			seen |= 1 << j
		case foldsToKnown(key, known):
			return false
		default:
			if !s.skip(depth + 1) {
				return false
			}
		}
		switch s.peek() {
		case ',':
			s.i++
		case '}':
			s.i++
			return true
		default:
			return false
		}
	}
}

// foldsToKnown reports whether an unmatched key could still match a field
// in encoding/json, which folds case (and a few non-ASCII letters).
func foldsToKnown(key []byte, known []string) bool {
	for _, c := range key {
		if c >= utf8.RuneSelf {
			return true
		}
	}
	for _, k := range known {
		if bytes.EqualFold(key, []byte(k)) {
			return true
		}
	}
	return false
}

// skip consumes any value, checking its syntax as encoding/json would.
func (s *scanner) skip(depth int) bool {
	if depth > maxSkipDepth {
		return false
	}
	switch s.peek() {
	case '{':
		s.i++
		if s.peek() == '}' {
			s.i++
			return true
		}
		for {
			if _, _, ok := s.rawString(); !ok || s.peek() != ':' {
				return false
			}
			s.i++
			if !s.skip(depth + 1) {
				return false
			}
			switch s.peek() {
			case ',':
				s.i++
			case '}':
				s.i++
				return true
			default:
				return false
			}
		}
	case '[':
		s.i++
		if s.peek() == ']' {
			s.i++
			return true
		}
		for {
			if !s.skip(depth + 1) {
				return false
			}
			switch s.peek() {
			case ',':
				s.i++
			case ']':
				s.i++
				return true
			default:
				return false
			}
		}
	case '"':
		_, _, ok := s.rawString()
		return ok
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	default:
		return s.number()
	}
}

// number consumes a number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *scanner) number() bool {
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	switch {
	case s.i < len(s.b) && s.b[s.i] == '0':
		s.i++
	case s.digits() == 0:
		return false
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if s.digits() == 0 {
			return false
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if s.digits() == 0 {
			return false
		}
	}
	return true
}

func (s *scanner) digits() int {
	start := s.i
	for s.i < len(s.b) && '0' <= s.b[s.i] && s.b[s.i] <= '9' {
		s.i++
	}
	return s.i - start
}

var (
	chatKeys     = []string{"message_id", "broadcaster", "sender", "content", "created_at", "replies_to"}
	repliesKeys  = []string{"message_id"}
	channelKeys  = []string{"user_id"}
	userKeys     = []string{"user_id", "username", "is_anonymous", "is_verified", "channel_slug", "identity"}
	identityKeys = []string{"badges"}
	badgeKeys    = []string{"text", "type", "count"}
)

// decodeChat decodes a chat.message.sent body; false means "use
// encoding/json", not "invalid".
func decodeChat(body []byte) (*chatPayload, bool) {
	s := &scanner{b: body}
	p := new(chatPayload)
	ok := s.object(0, chatKeys, func(key []byte) bool {
		switch string(key) {
		case "message_id":
			return s.str(&p.MessageID)
		case "broadcaster":
			return s.channel(1, &p.Broadcaster)
		case "sender":
			return s.user(1, &p.Sender)
		case "content":
			return s.str(&p.Content)
		case "created_at":
			return s.time(&p.CreatedAt)
		default: // replies_to
			if s.null() {
				p.RepliesTo = nil
				return true
			}
			p.RepliesTo = new(chatReply)
			return s.object(1, repliesKeys, func([]byte) bool {
				return s.str(&p.RepliesTo.MessageID)
			})
		}
	})
	if !ok || s.peek() != 0 || s.i != len(s.b) {
		return nil, false
	}
	return p, true
}

// channel reads a broadcaster object or null into *dst.
func (s *scanner) channel(depth int, dst **kickChannel) bool {
	if s.null() {
		*dst = nil
		return true
	}
	c := new(kickChannel)
	*dst = c
	return s.object(depth, channelKeys, func([]byte) bool { return s.int(&c.UserID) })
}

// user reads a user object or null into *dst.
func (s *scanner) user(depth int, dst **kickUser) bool {
	if s.null() {
		*dst = nil
		return true
	}
	u := new(kickUser)
	*dst = u
	return s.object(depth, userKeys, func(key []byte) bool {
		switch string(key) {
		case "user_id":
			return s.int(&u.UserID)
		case "username":
			return s.str(&u.Username)
		case "is_anonymous":
			return s.bool(&u.IsAnonymous)
		case "is_verified":
			return s.bool(&u.IsVerified)
		case "channel_slug":
			return s.str(&u.ChannelSlug)
		default: // identity
			return s.identity(depth+1, &u.Identity)
		}
	})
}

func (s *scanner) identity(depth int, dst **kickIdentity) bool {
	if s.null() {
		*dst = nil
		return true
	}
	id := new(kickIdentity)
	*dst = id
	return s.object(depth, identityKeys, func([]byte) bool { // badges
		if s.null() {
			id.Badges = nil
			return true
		}
		if s.peek() != '[' {
			return false
		}
		s.i++
		id.Badges = []kickBadge{} // [] decodes to empty, not nil
		if s.peek() == ']' {
			s.i++
			return true
		}
		for {
			id.Badges = append(id.Badges, kickBadge{})
			if !s.badge(depth+2, &id.Badges[len(id.Badges)-1]) {
				return false
			}
			switch s.peek() {
			case ',':
				s.i++
			case ']':
				s.i++
				return true
			default:
				return false
			}
		}
	})
}

func (s *scanner) badge(depth int, b *kickBadge) bool {
	return s.object(depth, badgeKeys, func(key []byte) bool {
		switch string(key) {
		case "text":
			return s.str(&b.Text)
		case "type":
			return s.str(&b.Type)
		default: // count
			n := int64(b.Count) // null leaves it alone
			if !s.int(&n) {
				return false
			}
			b.Count = int(n)
			return true
		}
	})
}
