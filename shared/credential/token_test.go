package credential_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/credential"
)

// TestNoSecretsPrinted checks every way a token reaches a log or an error.
func TestNoSecretsPrinted(t *testing.T) {
	tok := credential.Token{Access: "ACCESS-SECRET", Refresh: "REFRESH-SECRET", Expiry: t0, Scopes: []string{"chat:write"}}
	rec := credential.Record{Token: tok, Version: 3, LeaseUntil: t0.Add(time.Second)}

	var out []string
	for _, v := range []any{tok, &tok, rec, &rec, []credential.Token{tok}, map[string]credential.Record{"x": rec}, struct{ T credential.Token }{tok}} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T %v"} {
			out = append(out, fmt.Sprintf(verb, v))
		}
		out = append(out, fmt.Sprint(v), fmt.Sprintln(v), fmt.Errorf("wrap: %w", errors.New(fmt.Sprint(v))).Error())
	}
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	log.Info("token", "tok", tok, "rec", rec, "ptr", &rec)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("token", "tok", tok, "rec", rec)
	out = append(out, buf.String())

	for _, s := range out {
		if strings.Contains(s, "SECRET") || strings.Contains(s, "534543524554") {
			t.Errorf("printed a secret: %s", s)
		}
	}
	if s := fmt.Sprint(rec); !strings.Contains(s, "version: 3") || !strings.Contains(s, "redacted") || !strings.Contains(s, "chat:write") {
		t.Errorf("Record prints %q, want its version, scopes and redacted tokens", s)
	}
	if s := fmt.Sprintf("%#v", tok); !strings.HasPrefix(s, "credential.Token{") {
		t.Errorf("%%#v of a Token = %q", s)
	}
	if s := fmt.Sprint(credential.Token{}); !strings.Contains(s, "access: none") || !strings.Contains(s, "expiry: unknown") {
		t.Errorf("empty Token prints %q, want unset fields shown as none/unknown", s)
	}
	if !strings.Contains(buf.String(), `"version":3`) {
		t.Errorf("slog JSON = %s, want the record's version", buf.String())
	}
}

func TestHas(t *testing.T) {
	tok := credential.Token{Scopes: []string{"user:read", "chat:write"}}
	if !tok.Has("chat:write") || tok.Has("moderation:ban") {
		t.Errorf("Has on %v is wrong", tok.Scopes)
	}
}
