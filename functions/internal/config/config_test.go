package config

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	ssmtypes "github.com/aws/aws-sdk-go-v2/service/ssm/types"

	"github.com/kickbot/kickbot/shared/metric"
)

const (
	clientSecret = "kick-client-secret-value"
	botToken     = "discord-bot-token-value"
	hexKey       = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
	baseURL      = "https://bot.example.com"
	clipKey      = "clip-service-key-value"
)

// fakeSSM holds parameters by name and gives them out decrypted.
type fakeSSM map[string]string

func (f fakeSSM) GetParameter(_ context.Context, in *ssm.GetParameterInput, _ ...func(*ssm.Options)) (*ssm.GetParameterOutput, error) {
	v, ok := f[aws.ToString(in.Name)]
	if !ok || !aws.ToBool(in.WithDecryption) {
		return nil, &ssmtypes.ParameterNotFound{}
	}
	return &ssm.GetParameterOutput{Parameter: &ssmtypes.Parameter{Name: in.Name, Value: aws.String(v)}}, nil
}

var parameters = fakeSSM{
	"/kickbot/kick-client-secret":   clientSecret,
	"/kickbot/discord-bot-token":    botToken,
	"/kickbot/state-signing-key":    hexKey,
	"/kickbot-prod/public-base-url": baseURL + "/",
	"/kickbot/clip-service-key":     clipKey,
}

// deployed is a function's environment as the template sets it.
var deployed = map[string]string{
	"TABLE_NAME": "kickbot", "QUEUE_URL": "https://sqs.example/q.fifo",
	"KICK_CLIENT_ID": "01kickapp", "KICK_CLIENT_SECRET_PARAMETER": "/kickbot/kick-client-secret",
	"DISCORD_APPLICATION_ID": "1250143022583250947", "DISCORD_BOT_TOKEN_PARAMETER": "/kickbot/discord-bot-token",
	"STATE_SIGNING_KEY_PARAMETER": "/kickbot/state-signing-key",
	"PUBLIC_BASE_URL_PARAMETER":   "/kickbot-prod/public-base-url",
	"CLIP_SERVICE_URL":            "https://clips.example.com",
	"CLIP_SERVICE_KEY_PARAMETER":  "/kickbot/clip-service-key",
}

func envWith(changes map[string]string) *Env {
	vars := map[string]string{}
	for k, v := range deployed {
		vars[k] = v
	}
	for k, v := range changes {
		vars[k] = v
	}
	return &Env{ctx: context.Background(), Getenv: func(k string) string { return vars[k] }, SSM: parameters}
}

func TestDeployed(t *testing.T) {
	e := envWith(nil)
	k, err := Kick(e)
	if err != nil || k == nil || k.ClientID != "01kickapp" || k.ClientSecret != clientSecret {
		t.Errorf("Kick() = %v, %v", k, err)
	}
	d, ok, err := Discord(e)
	if err != nil || !ok || d.ID != "1250143022583250947" || d.BotToken != botToken {
		t.Errorf("Discord() = %v, %v", ok, err)
	}
	key, base, ok, err := Consent(e)
	if err != nil || !ok || len(key) != 32 || base != baseURL {
		t.Errorf("Consent() = %d-byte key, %q, %v, %v", len(key), base, ok, err)
	}
	if c, err := ClipService(e); err != nil || c == nil {
		t.Errorf("ClipService() = %v, %v; want a client", c, err)
	}
}

func TestLocal(t *testing.T) {
	e := &Env{ctx: context.Background(), Getenv: func(k string) string {
		return map[string]string{"KICK_CLIENT_ID": "01kickapp", "KICK_CLIENT_SECRET": clientSecret,
			"STATE_SIGNING_KEY": hexKey, "PUBLIC_BASE_URL": "http://localhost:8080"}[k]
	}}
	if k, err := Kick(e); err != nil || k.ClientSecret != clientSecret {
		t.Errorf("Kick() = %v, %v", k, err)
	}
	if _, base, ok, err := Consent(e); err != nil || !ok || base != "http://localhost:8080" {
		t.Errorf("Consent() = %q, %v, %v", base, ok, err)
	}
	if _, ok, err := Discord(e); ok || err != nil {
		t.Errorf("Discord() without an application = %v, %v; want off", ok, err)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name    string
		changes map[string]string
		call    func(*Env) error
		want    string
	}{
		{"no table", map[string]string{"TABLE_NAME": ""}, func(e *Env) error { _, err := Store(e); return err }, "TABLE_NAME"},
		{"no queue", map[string]string{"QUEUE_URL": ""}, func(e *Env) error { _, err := Queue(e); return err }, "QUEUE_URL"},
		{"no client secret", map[string]string{"KICK_CLIENT_SECRET_PARAMETER": ""}, kickErr, "KICK_CLIENT_SECRET or KICK_CLIENT_SECRET_PARAMETER"},
		{"missing parameter", map[string]string{"KICK_CLIENT_SECRET_PARAMETER": "/nope"}, kickErr, "KICK_CLIENT_SECRET"},
		{"no bot token", map[string]string{"DISCORD_BOT_TOKEN_PARAMETER": ""}, func(e *Env) error { _, _, err := Discord(e); return err }, "DISCORD_BOT_TOKEN"},
		{"no signing key", map[string]string{"STATE_SIGNING_KEY_PARAMETER": ""}, consentErr, "STATE_SIGNING_KEY or STATE_SIGNING_KEY_PARAMETER must be"},
		{"no base URL", map[string]string{"PUBLIC_BASE_URL_PARAMETER": ""}, consentErr, "PUBLIC_BASE_URL or PUBLIC_BASE_URL_PARAMETER must be"},
		{"short signing key", map[string]string{"STATE_SIGNING_KEY": "abcd"}, consentErr, "at least 32"},
		{"bad base URL", map[string]string{"PUBLIC_BASE_URL": "bot.example.com"}, consentErr, "PUBLIC_BASE_URL"},
		{"no clip key", map[string]string{"CLIP_SERVICE_KEY_PARAMETER": ""}, clipErr, "CLIP_SERVICE_KEY or CLIP_SERVICE_KEY_PARAMETER"},
		{"bad clip URL", map[string]string{"CLIP_SERVICE_URL": "clips.example.com"}, clipErr, "CLIP_SERVICE_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call(envWith(tt.changes))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want one saying %q", err, tt.want)
			}
			for _, secret := range []string{clientSecret, botToken, hexKey, clipKey} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q holds a secret", err)
				}
			}
		})
	}
}

func kickErr(e *Env) error { _, err := Kick(e); return err }

func consentErr(e *Env) error { _, _, _, err := Consent(e); return err }

func clipErr(e *Env) error { _, err := ClipService(e); return err }

func TestOff(t *testing.T) {
	e := &Env{ctx: context.Background(), Getenv: func(string) string { return "" }}
	if k, err := Kick(e); k != nil || err != nil {
		t.Errorf("Kick() unset = %v, %v; want nil, nil", k, err)
	}
	if _, ok, err := Discord(e); ok || err != nil {
		t.Errorf("Discord() unset = %v, %v; want off", ok, err)
	}
	if _, _, ok, err := Consent(e); ok || err != nil {
		t.Errorf("Consent() unset = %v, %v; want off", ok, err)
	}
	if c, err := ClipService(e); c != nil || err != nil {
		t.Errorf("ClipService() unset = %v, %v; want nil, nil", c, err)
	}
}

func TestParameterWithoutSSM(t *testing.T) {
	// A parameter with no client makes one from the default AWS
	// configuration; an explicit nil-returning resolver is not possible,
	// so the check is that a value in the environment wins over it.
	e := &Env{ctx: context.Background(), Getenv: func(k string) string {
		return map[string]string{"KICK_CLIENT_SECRET": clientSecret, "KICK_CLIENT_SECRET_PARAMETER": "/ignored"}[k]
	}}
	if v, err := e.Secret("KICK_CLIENT_SECRET"); err != nil || v != clientSecret || e.SSM != nil {
		t.Errorf("Secret = %q, %v (client made: %v); want the environment's value without SSM", v, err, e.SSM != nil)
	}
}

func TestMetrics(t *testing.T) {
	tests := []struct {
		name          string
		env           map[string]string
		wantNamespace string
		wantLevel     string
	}{
		{"deployed", map[string]string{"METRICS_NAMESPACE": "Kickbot/prod", "AWS_LAMBDA_LOG_LEVEL": "WARN"}, "Kickbot/prod", "WARN"},
		{"local", nil, metric.DefaultNamespace, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := Metrics(&Env{Getenv: func(k string) string { return tt.env[k] }}, "worker", nil)
			if s.Namespace != tt.wantNamespace || s.Level != tt.wantLevel || len(s.Base) != 1 || s.Base[0] != metric.D("Function", "worker") {
				t.Errorf("Metrics() = %+v, want namespace %q, level %q, Function=worker", s, tt.wantNamespace, tt.wantLevel)
			}
		})
	}
}
