package kick

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var payloadOpts = cmp.Options{
	cmp.AllowUnexported(chatPayload{}),
	cmp.Comparer(func(a, b kickTime) bool { return a.Equal(b.Time) && a.Location() == b.Location() }),
}

func chatFixtures(tb testing.TB) [][]byte {
	tb.Helper()
	var out [][]byte
	for _, name := range []string{"chat.message.sent", "chat.message.sent.command"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "kick", name+".json"))
		if err != nil {
			tb.Fatal(err)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, b); err != nil {
			tb.Fatal(err)
		}
		out = append(out, b, compact.Bytes())
	}
	return out
}

// The fast path must actually run for the payloads Kick sends and the
// variations below; the odd inputs after them it may decode or leave to
// encoding/json, but whatever it decodes must equal encoding/json's.
func TestDecodeChat(t *testing.T) {
	for i, body := range chatFixtures(t) {
		got, ok := decodeChat(body)
		if !ok {
			t.Fatalf("decodeChat(fixture %d) fell back to encoding/json", i)
		}
		var want chatPayload
		if err := json.Unmarshal(body, &want); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(&want, got, payloadOpts); diff != "" {
			t.Errorf("decodeChat(fixture %d) (-encoding/json +fast):\n%s", i, diff)
		}
	}

	const b = `"broadcaster":{"user_id":1}`
	accepted := []string{
		`{` + b + `,"message_id":"m","content":"\u003cb\u003e \"hi\" \ud83d\ude00","sender":{"user_id":2}}`,
		`{` + b + `,"sender":null,"replies_to":null,"created_at":null,"emotes":[{"emote_id":37226,"positions":[{"s":0,"e":1.5e3}]}]}`,
		`{` + b + `,"sender":{"identity":{"badges":[{"type":"vip","count":null},{}]}},"created_at":""}`,
		` {"sender":{"identity":null},` + b + `} ` + "\n",
		`{}`,
	}
	for _, in := range accepted {
		if _, ok := decodeChat([]byte(in)); !ok {
			t.Errorf("decodeChat(%s) fell back, want it decoded", in)
		}
	}

	odd := []string{
		``, `null`, `[]`, `{`, `{} {}`, `{"a":1,}`,
		`{` + b + `,"content":` + "\"caf\xe9 \xff\"" + `,"sender":{"user_id":-2,"identity":{"badges":[]}}}`,
		`{"Content":"x"}`, `{"sender":{"USER_ID":1}}`, `{"\u0063ontent":"x"}`, `{"ſender":{}}`, `{"\u017fender":{}}`,
		`{"content":"a","content":"b"}`, `{"sender":{"user_id":1,"user_id":2}}`,
		`{"sender":{"user_id":1.0}}`, `{"sender":{"user_id":1e3}}`, `{"sender":{"user_id":99999999999999999999}}`,
		`{"sender":{"user_id":"1"}}`, `{"content":5}`, `{"sender":{"is_verified":"yes"}}`, `{"sender":[]}`,
		`{"created_at":"14/03/2026"}`, `{"created_at":"2026-03-14T19:02:11.5+01:00"}`, `{"created_at":"\u0032026-03-14T19:02:11Z"}`,
		`{"sender":{"identity":{"badges":[null]}}}`,
		`{"x":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`,
		`{"x":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`,
		`{"x":01}`, `{"x":-}`, `{"x":1.}`, `{"x":"\x01"}`, `{"x":"\q"}`, `{"x":tru}`,
		`{"content":"\x01"}`, `{"content":"\q"}`, `{"content":"\ud800 \udc00x \u0000"}`, `{"content":"a","Content":"b"}`,
		`{"sender":{"user_id":null,"username":null,"identity":{"badges":null}}}`, `{"sender":{"user_id":-0}}`,
		`{"sender":{"user_id":9223372036854775807}}`, `{"sender":{"user_id":9223372036854775808}}`,
		`{"sender":{"identity":{"badges":[{"count":2147483648}]}}}`, `{"replies_to":"m"}`, `{"broadcaster":{"user_id":1}}x`,
		`{"content":"a"` + "\t\r\n" + `}`, "{\"content\"\v:\"a\"}", `{"content":"` + "\u2028\xed\xa0\x80" + `"}`,
	}
	for _, in := range append(accepted, odd...) {
		got, ok := decodeChat([]byte(in))
		if !ok {
			continue
		}
		var want chatPayload
		if err := json.Unmarshal([]byte(in), &want); err != nil {
			t.Errorf("decodeChat(%.80s) accepted what encoding/json rejects: %v", in, err)
			continue
		}
		if diff := cmp.Diff(&want, got, payloadOpts); diff != "" {
			t.Errorf("decodeChat(%.80s) (-encoding/json +fast):\n%s", in, diff)
		}
	}
}

// FuzzDecodeChat checks the fast chat decoder against encoding/json, the
// definition: whatever it accepts, encoding/json decodes the same way.
func FuzzDecodeChat(f *testing.F) {
	for _, b := range chatFixtures(f) {
		f.Add(b)
	}
	f.Add([]byte(`{"broadcaster":{"user_id":1},"sender":{"user_id":2,"identity":{"badges":[{"type":"a","count":3}]}},"content":"\u00e9"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		got, ok := decodeChat(body)
		if !ok {
			return
		}
		var want chatPayload
		if err := json.Unmarshal(body, &want); err != nil {
			t.Fatalf("decodeChat accepted %q, which encoding/json rejects: %v", body, err)
		}
		if diff := cmp.Diff(&want, got, payloadOpts); diff != "" {
			t.Fatalf("decodeChat(%q) (-encoding/json +fast):\n%s", body, diff)
		}
	})
}

// BenchmarkDecodeChat is decodeChat against encoding/json on Kick's chat
// fixture.
func BenchmarkDecodeChat(b *testing.B) {
	body := chatFixtures(b)[0]
	b.Run("decodeChat", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, ok := decodeChat(body); !ok {
				b.Fatal("decodeChat fell back to encoding/json")
			}
		}
	})
	b.Run("encoding/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var p chatPayload
			if err := json.Unmarshal(body, &p); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestKickTimeUnmarshal checks kickTime's unescaped fast path against the
// definition: the JSON string as encoding/json unquotes it, then
// time.Parse.
func TestKickTimeUnmarshal(t *testing.T) {
	for _, in := range []string{
		`"2026-03-14T19:02:11Z"`, `"2026-03-14T19:02:11.123456+01:00"`, `"\u0032026-03-14T19:02:11Z"`,
		`"2026-03-14T19:02:11Z\u0000"`, `"2026-03-14 19:02:11Z"`, `"2026-03-14T19:02:11"`, `"14/03/2026"`,
		`null`, `""`, `"`, `1`, `"2026-03-14T19:02:11Z`, "\"2026-03-14T19:02:11Z\xff\"",
	} {
		t.Run(in, func(t *testing.T) {
			var want time.Time
			var s string
			wantErr := json.Unmarshal([]byte(in), &s)
			if wantErr == nil && s != "" {
				var v time.Time
				if v, wantErr = time.Parse(time.RFC3339, s); wantErr == nil {
					want = v.UTC()
				}
			}
			var got kickTime
			err := got.UnmarshalJSON([]byte(in))
			if (err != nil) != (wantErr != nil) || !got.Equal(want) || got.Location() != want.Location() {
				t.Errorf("UnmarshalJSON(%s) = %v, %v; want %v, %v", in, got.Time, err, want, wantErr)
			}
		})
	}
}
