package connect_test

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/kickbot/kickbot/shared/connect"
	"github.com/kickbot/kickbot/shared/consent"
	"github.com/kickbot/kickbot/shared/credential"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/stream"
	"github.com/kickbot/kickbot/shared/subscription"
)

// memStore is connect.Store in memory, with the DynamoDB adapter's
// semantics. fail, when set, makes the named method fail.
type memStore struct {
	mu     sync.Mutex
	nonces map[string]time.Time
	creds  map[int64]credential.Record
	conns  map[string]conn // by guild
	links  map[string]link // pending sign-ins for /link, by guild#member
	// hidden broadcasters are left out of Connections, as a lagging index
	// would leave out a new connection.
	hidden map[int64]bool
	fail   map[string]error
	// replaced records ReplaceChannel calls as "<guild>:<prev>><new>".
	replaced []string
}

type conn struct {
	broadcaster int64
	name        string
	at          time.Time
}

type link struct {
	member string
	kick   int64
	name   string
	until  time.Time
}

func newMemStore() *memStore {
	return &memStore{
		nonces: map[string]time.Time{}, creds: map[int64]credential.Record{},
		conns: map[string]conn{}, links: map[string]link{}, hidden: map[int64]bool{}, fail: map[string]error{},
	}
}

func (m *memStore) failed(method string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.fail[method]
}

func (m *memStore) ClaimNonce(_ context.Context, nonce string, expires time.Time) error {
	if err := m.failed("ClaimNonce"); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.nonces[nonce]; ok {
		return fault.E(fault.Conflict, "this link was already used; start again")
	}
	m.nonces[nonce] = expires
	return nil
}

func (m *memStore) PutCredentials(_ context.Context, b int64, t credential.Token, scopes []string) error {
	if err := m.failed("PutCredentials"); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if scopes != nil {
		t.Scopes = scopes
	}
	m.creds[b] = credential.Record{Token: t, Version: m.creds[b].Version + 1}
	return nil
}

func (m *memStore) Load(_ context.Context, b int64) (credential.Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.creds[b]
	if !ok {
		return credential.Record{}, fault.E(fault.NotFound, "the Kick channel is not connected")
	}
	return r, nil
}

func (m *memStore) DeleteCredentials(_ context.Context, b int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.creds, b)
	return nil
}

func (m *memStore) ConnectChannel(_ context.Context, guild string, b int64, name string, at time.Time) error {
	if err := m.failed("ConnectChannel"); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.conns[guild] = conn{b, name, at}
	return nil
}

func (m *memStore) ReplaceChannel(_ context.Context, guild string, prev, b int64, name string, at time.Time) error {
	if err := m.failed("ReplaceChannel"); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.conns[guild] = conn{b, name, at}
	m.replaced = append(m.replaced, fmt.Sprintf("%s:%d>%d", guild, prev, b))
	return nil
}

func (m *memStore) Connection(_ context.Context, guild string) (int64, string, time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.conns[guild]
	if !ok {
		return 0, "", time.Time{}, fault.E(fault.NotFound, "this server is not connected to a Kick channel")
	}
	return c.broadcaster, c.name, c.at, nil
}

func (m *memStore) Disconnect(_ context.Context, guild string, b int64) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if c, ok := m.conns[guild]; ok && c.broadcaster == b {
		delete(m.conns, guild)
	}
	return nil
}

func (m *memStore) Guilds(_ context.Context, b int64) ([]string, error) {
	if err := m.failed("Guilds"); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for g, c := range m.conns {
		if c.broadcaster == b {
			out = append(out, g)
		}
	}
	slices.Sort(out)
	return out, nil
}

func (m *memStore) Connections(context.Context) ([]stream.Connection, error) {
	if err := m.failed("Connections"); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []stream.Connection
	for g, c := range m.conns {
		if !m.hidden[c.broadcaster] {
			out = append(out, stream.Connection{Guild: g, Broadcaster: c.broadcaster})
		}
	}
	return out, nil
}

func (m *memStore) PendLink(_ context.Context, guild, member string, kick int64, name string, until time.Time) error {
	if err := m.failed("PendLink"); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.links[guild+"#"+member] = link{guild + "#" + member, kick, name, until}
	return nil
}

// memKick is connect.Kick in memory. It issues a code per authorization
// and checks the PKCE verifier and redirect URI when it is redeemed, as
// Kick does.
type memKick struct {
	mu       sync.Mutex
	user     connect.User // who consents
	codes    map[string]connect.Authorization
	tokens   map[string]connect.User // live access tokens
	revoked  []string
	subs     []subscription.Sub
	seq      int
	fail     map[string]error
	problems []string // what a real Kick would have refused
}

func newMemKick(u connect.User) *memKick {
	return &memKick{user: u, codes: map[string]connect.Authorization{}, tokens: map[string]connect.User{}, fail: map[string]error{}}
}

func (k *memKick) failed(method string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.fail[method]
}

// AuthorizeURL records the authorization as if the user consented, and
// returns a URL that names the code.
func (k *memKick) AuthorizeURL(a connect.Authorization) string {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.seq++
	code := "code-" + strconv.Itoa(k.seq)
	k.codes[code] = a
	return "https://kick.test/authorize?code=" + code + "&state=" + a.State
}

func (k *memKick) Exchange(_ context.Context, code, verifier, redirectURI string) (credential.Token, error) {
	if err := k.failed("Exchange"); err != nil {
		return credential.Token{}, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	a, ok := k.codes[code]
	delete(k.codes, code)
	switch {
	case !ok:
		return credential.Token{}, fault.E(fault.Forbidden, "unknown code")
	case consent.Challenge(verifier) != a.Challenge:
		k.problems = append(k.problems, "verifier does not match the challenge")
		return credential.Token{}, fault.E(fault.Forbidden, "bad verifier")
	case redirectURI != a.RedirectURI:
		k.problems = append(k.problems, "redirect URI differs")
		return credential.Token{}, fault.E(fault.Forbidden, "bad redirect")
	}
	k.seq++
	access := fmt.Sprintf("access-%d", k.seq)
	k.tokens[access] = k.user
	return credential.Token{Access: access, Refresh: fmt.Sprintf("refresh-%d", k.seq), Expiry: t0.Add(2 * time.Hour), Scopes: a.Scopes}, nil
}

func (k *memKick) WhoAmI(_ context.Context, access string) (connect.User, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	u, ok := k.tokens[access]
	if !ok {
		return connect.User{}, fault.E(fault.Forbidden, "unknown token")
	}
	return u, nil
}

func (k *memKick) Revoke(_ context.Context, token string, _ connect.TokenKind) error {
	if err := k.failed("Revoke"); err != nil {
		return err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.revoked = append(k.revoked, token)
	delete(k.tokens, token)
	return nil
}

func (k *memKick) Subscriptions(context.Context) ([]subscription.Sub, error) {
	if err := k.failed("Subscriptions"); err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	return slices.Clone(k.subs), nil
}

func (k *memKick) Subscribe(_ context.Context, b int64, events []subscription.EventVersion) ([]subscription.Sub, error) {
	if err := k.failed("Subscribe"); err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	var made []subscription.Sub
	for _, e := range events {
		made = append(made, k.add(b, e))
	}
	return made, nil
}

// add makes a subscription; k.mu is held.
func (k *memKick) add(b int64, e subscription.EventVersion) subscription.Sub {
	k.seq++
	s := subscription.Sub{ID: fmt.Sprintf("01SUB%05d", k.seq), Event: e.Event, Version: e.Version, Broadcaster: b}
	k.subs = append(k.subs, s)
	return s
}

// seed adds subscriptions as if made earlier.
func (k *memKick) seed(b int64, events ...subscription.EventVersion) []subscription.Sub {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []subscription.Sub
	for _, e := range events {
		out = append(out, k.add(b, e))
	}
	return out
}

func (k *memKick) Unsubscribe(_ context.Context, ids []string) error {
	if err := k.failed("Unsubscribe"); err != nil {
		return err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.subs = slices.DeleteFunc(k.subs, func(s subscription.Sub) bool { return slices.Contains(ids, s.ID) })
	return nil
}

// of returns broadcaster's subscriptions as event keys, sorted.
func (k *memKick) of(b int64) []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []string
	for _, s := range k.subs {
		if s.Broadcaster == b {
			out = append(out, s.Key().String())
		}
	}
	slices.Sort(out)
	return out
}

// wanted returns subscription.Wanted() as sorted keys.
func wanted() []string {
	var out []string
	for _, w := range subscription.Wanted() {
		out = append(out, w.String())
	}
	slices.Sort(out)
	return out
}
