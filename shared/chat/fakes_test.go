package chat_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/kickbot/kickbot/shared/audience"
	"github.com/kickbot/kickbot/shared/chat"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/reply"
	"github.com/kickbot/kickbot/shared/settings"
)

// post is one call of fakeKick.Post.
type post struct {
	Token string
	Msg   chat.Message
}

// errUnauthorized is the 401 of fakeKick.
var errUnauthorized = fault.Wrap(fault.Forbidden, errors.New("401"), "send kick chat message")

// fakeKick is chat.Kick: it accepts the tokens in valid and answers any
// other with errUnauthorized, unless fail says otherwise.
type fakeKick struct {
	mu    sync.Mutex
	valid map[string]bool
	// fail, when set, is the error of the next posts, one each.
	fail  []error
	posts []post // every call, refused ones included
	sent  []post // the posts accepted
}

func newFakeKick(valid ...string) *fakeKick {
	k := &fakeKick{valid: map[string]bool{}}
	for _, v := range valid {
		k.valid[v] = true
	}
	return k
}

func (k *fakeKick) Post(_ context.Context, token string, m chat.Message) (string, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.posts = append(k.posts, post{token, m})
	if len(k.fail) > 0 {
		err := k.fail[0]
		k.fail = k.fail[1:]
		return "", err
	}
	if !k.valid[token] {
		return "", errUnauthorized
	}
	k.sent = append(k.sent, post{token, m})
	return "id", nil
}

func (k *fakeKick) Unauthorized(err error) bool { return errors.Is(err, errUnauthorized) }

func (k *fakeKick) Sent() []post {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]post(nil), k.sent...)
}

// fakeTokens is chat.Tokens: Token answers token; TokenAfter401 answers
// refreshed, or err401 when it is set.
type fakeTokens struct {
	token, refreshed string
	err, err401      error

	mu       sync.Mutex
	rejected []string // the tokens TokenAfter401 was told about
}

func (f *fakeTokens) Token(context.Context, int64) (string, error) { return f.token, f.err }

func (f *fakeTokens) TokenAfter401(_ context.Context, _ int64, rejected string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.rejected = append(f.rejected, rejected)
	if f.err401 != nil {
		return "", f.err401
	}
	return f.refreshed, nil
}

// memStore is chat.Store in memory, with the semantics of the DynamoDB
// adapter.
type memStore struct {
	mu      sync.Mutex
	windows map[int64]reply.Window
	claims  map[string]time.Time
	// err, when set, is the error of every call.
	err error
}

func newMemStore() *memStore {
	return &memStore{windows: map[int64]reply.Window{}, claims: map[string]time.Time{}}
}

func (m *memStore) TakeChatSlot(_ context.Context, b int64, now time.Time, l reply.Limit) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return false, m.err
	}
	next, ok := reply.Allow(m.windows[b], now, l)
	m.windows[b] = next
	return ok, nil
}

func claimKey(b int64, cause string) string { return fmt.Sprint(b, "/", cause) }

func (m *memStore) ClaimChat(_ context.Context, b int64, cause string, expires time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return false, m.err
	}
	if _, ok := m.claims[claimKey(b, cause)]; ok {
		return false, nil
	}
	m.claims[claimKey(b, cause)] = expires
	return true, nil
}

func (m *memStore) ReleaseChat(_ context.Context, b int64, cause string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.claims, claimKey(b, cause))
	return nil
}

func (m *memStore) claimed(b int64, cause string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.claims[claimKey(b, cause)]
	return ok
}

// fakeViewers is chat.Viewers over a guild's viewers.
type fakeViewers struct {
	viewers  []audience.Viewer
	settings settings.Settings
	// err, when set, is the error of every call.
	err error
}

func (f *fakeViewers) Viewer(_ context.Context, guild string, id int64) (audience.Viewer, error) {
	if f.err != nil {
		return audience.Viewer{}, f.err
	}
	for _, v := range f.viewers {
		if v.Guild == guild && v.UserID == id {
			return v, nil
		}
	}
	return audience.Viewer{}, fault.E(fault.NotFound, "viewer not found")
}

func (f *fakeViewers) ViewerByName(_ context.Context, guild, name string) (audience.Viewer, error) {
	if f.err != nil {
		return audience.Viewer{}, f.err
	}
	for _, v := range f.viewers {
		if v.Guild == guild && settings.NormalizeName(v.Username) == settings.NormalizeName(name) {
			return v, nil
		}
	}
	return audience.Viewer{}, fault.E(fault.NotFound, "no viewer named %q", name)
}

func (f *fakeViewers) Settings(context.Context, string) (settings.Settings, error) {
	if f.err != nil {
		return settings.Settings{}, f.err
	}
	return f.settings, nil
}

// fakeSayer is chat.Sayer: it records what it is told to say.
type fakeSayer struct {
	said []chat.Message
	out  chat.Outcome
	err  error
}

func (f *fakeSayer) Say(_ context.Context, m chat.Message, _ time.Time) (chat.Outcome, error) {
	if f.err != nil {
		return 0, f.err
	}
	f.said = append(f.said, m)
	if f.out == 0 {
		return chat.Sent, nil
	}
	return f.out, nil
}
