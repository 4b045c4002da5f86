package discord_test

import (
	"bytes"
	"context"
	"encoding/json"
	"hash/crc32"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/bwmarrin/discordgo"

	"github.com/kickbot/kickbot/shared/discord"
)

// FuzzInteraction sends a timestamp header and a body through the HTTP
// handler. Three inputs in four are signed with the test key (which ones
// depends on the body's CRC, so the fuzzer can flip it), so that the fuzzer
// gets past the signature to the decoder. It checks that nothing panics,
// that the status follows from what a simpler oracle says about the input,
// and that the handler is reached exactly with verified, decoded,
// non-PING interactions, decoded exactly as discordgo decodes them. The seed corpus is in testdata/fuzz/FuzzInteraction.
func FuzzInteraction(f *testing.F) {
	for _, name := range fixtures {
		f.Add(stamp(sentAt), fixture(f, name))
	}
	pub, priv := newKey(f)
	v := discord.Verifier{Key: pub}
	f.Fuzz(func(t *testing.T, ts string, body []byte) {
		signed := crc32.ChecksumIEEE(body)%4 != 0
		sig := strings.Repeat("00", 64)
		if signed {
			sig = discord.Sign(priv, ts, body)
		}
		r := httptest.NewRequest(http.MethodPost, discord.Path, bytes.NewReader(body))
		r.Header = http.Header{}
		r.Header.Set(discord.HeaderSignature, sig)
		if ts != "" {
			r.Header.Set(discord.HeaderTimestamp, ts)
		}

		var calls int
		var got *discordgo.Interaction
		h := discord.HandlerFunc(func(_ context.Context, i *discordgo.Interaction) (*discordgo.InteractionResponse, error) {
			calls++
			got = i
			return discord.Reply("ok"), nil
		})
		w := httptest.NewRecorder()
		discord.NewHTTPHandler(v, h, nil, nowFunc).ServeHTTP(w, r)

		// The oracle: Discord's timestamp is canonical decimal seconds.
		sec, err := strconv.ParseInt(ts, 10, 64)
		fresh := err == nil && strconv.FormatInt(sec, 10) == ts && sec >= 0 &&
			now.Unix()-sec <= int64(discord.DefaultMaxAge.Seconds()) && sec-now.Unix() <= int64(discord.MaxSkew.Seconds())
		var want discordgo.Interaction
		decoded := json.Unmarshal(body, &want) == nil
		wantStatus, wantCalls := http.StatusOK, 0
		switch {
		case !fresh:
			wantStatus = http.StatusUnauthorized
		case len(body) > discord.MaxBody:
			wantStatus = http.StatusRequestEntityTooLarge
		case !signed:
			wantStatus = http.StatusUnauthorized
		case !decoded:
			wantStatus = http.StatusBadRequest
		case want.Type == discordgo.InteractionPing:
			if w.Body.String() != `{"type":1}` {
				t.Fatalf("PING answered %s, want PONG", w.Body)
			}
		case want.Type >= discordgo.InteractionApplicationCommand && want.Type <= discordgo.InteractionModalSubmit:
			wantCalls = 1
		default:
			wantStatus = http.StatusBadRequest
		}
		if w.Code != wantStatus {
			t.Fatalf("status = %d, want %d (ts %q, signed %v, fresh %v, %d bytes, decoded %v): %s",
				w.Code, wantStatus, ts, signed, fresh, len(body), decoded, w.Body)
		}
		if calls != wantCalls {
			t.Fatalf("handler called %d times, want %d", calls, wantCalls)
		}
		// The fast decoder must decode exactly as discordgo does.
		if calls == 1 && !reflect.DeepEqual(*got, want) {
			t.Fatalf("handler got\n%#v\nwant discordgo's decoding\n%#v", *got, want)
		}
		if strings.Contains(w.Body.String(), sig) {
			t.Fatal("response contains the signature")
		}
	})
}
