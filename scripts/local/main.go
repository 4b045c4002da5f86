// Command local runs the whole bot on one machine with no AWS account: it
// serves the same routes as API Gateway, keeps data in an embedded DynamoDB
// emulator (or the endpoint in AWS_ENDPOINT_URL), and runs the worker from
// an in-process FIFO queue with the template's retry and dead-letter rules.
//
// Configuration (environment):
//
//	LISTEN_ADDR           address to serve on (default 127.0.0.1:8080)
//	AWS_ENDPOINT_URL      use this DynamoDB endpoint instead of the embedded one
//	DYNAMODB_ADDR         address of the embedded DynamoDB (default 127.0.0.1:8000)
//	TABLE_NAME            table name (default kickbot-local); created if missing
//	KICK_PUBLIC_KEY_FILE  PEM public key to verify webhooks with; when unset a
//	                      key pair is generated and the private half written
//	                      to LOCAL_DIR/<port>/kick-private.pem for the replayer
//	LOCAL_DIR             where generated files go (default .local), in a
//	                      directory per listen port, so that a second runner
//	                      on another port does not replace the first's keys
//	SEED_CONNECTIONS      guildID:broadcasterUserID[,...] to connect locally
//	SWEEP_EVERY           how often the sweep runs (default 1m). Shorter
//	                      credits each wall-clock minute sooner after it
//	                      ends
//	KICK_CLIENT_ID, KICK_CLIENT_SECRET
//	                      Kick app credentials; with them the sweep checks
//	                      live status with Kick's API and the OAuth routes
//	                      talk to Kick (KICK_API_URL and KICK_AUTH_URL point
//	                      them elsewhere). Without KICK_CLIENT_ID a fake
//	                      Kick (OAuth with a consent page, and the API) is
//	                      started on its own loopback port, so connect and
//	                      link can be clicked through in a browser
//	PUBLIC_BASE_URL       the base of the OAuth start links and the redirect
//	                      URL (default http://localhost:<port of LISTEN_ADDR>)
//	STATE_SIGNING_KEY     hex key (at least 32 bytes) that signs OAuth states;
//	                      generated when unset
//	DISCORD_PUBLIC_KEY    hex public key to verify interactions with; when
//	                      unset a key pair is generated, the public half
//	                      printed and the private half written to
//	                      LOCAL_DIR/<port>/discord-private.key for the replayer
//	DISCORD_APPLICATION_ID
//	                      the Discord application (default: the simulated one)
//	DISCORD_BOT_TOKEN     with it, deferred answers go to Discord's REST API
//	                      (or DISCORD_API_URL); without it, to a local fake
//	                      Discord that logs what it receives
package main

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/kickbot/kickbot/scripts/discordsim"
	"github.com/kickbot/kickbot/scripts/kicksim"
	"github.com/kickbot/kickbot/shared/announce"
	"github.com/kickbot/kickbot/shared/aws/dynamo"
	"github.com/kickbot/kickbot/shared/aws/jobqueue"
	"github.com/kickbot/kickbot/shared/aws/stack"
	"github.com/kickbot/kickbot/shared/calls"
	"github.com/kickbot/kickbot/shared/chat"
	"github.com/kickbot/kickbot/shared/clip"
	"github.com/kickbot/kickbot/shared/clipsvc"
	"github.com/kickbot/kickbot/shared/connect"
	"github.com/kickbot/kickbot/shared/credential"
	"github.com/kickbot/kickbot/shared/discord"
	"github.com/kickbot/kickbot/shared/feature"
	"github.com/kickbot/kickbot/shared/giveaway"
	"github.com/kickbot/kickbot/shared/golive"
	"github.com/kickbot/kickbot/shared/ingest"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/kick"
	"github.com/kickbot/kickbot/shared/kick/kickapi"
	"github.com/kickbot/kickbot/shared/kick/kickfake"
	"github.com/kickbot/kickbot/shared/kick/oauthweb"
	"github.com/kickbot/kickbot/shared/local/localdb"
	"github.com/kickbot/kickbot/shared/local/localqueue"
	"github.com/kickbot/kickbot/shared/logattr"
	"github.com/kickbot/kickbot/shared/notice"
	"github.com/kickbot/kickbot/shared/raffle"
	"github.com/kickbot/kickbot/shared/rewards"
	"github.com/kickbot/kickbot/shared/rolesync"
	"github.com/kickbot/kickbot/shared/sweep"
	"github.com/kickbot/kickbot/shared/upkeep"
	"github.com/kickbot/kickbot/shared/watchtime"
	"github.com/kickbot/kickbot/shared/work"
)

type config struct {
	ListenAddr string
	Endpoint   string
	DynamoAddr string
	Table      string
	KeyFile    string
	LocalDir   string
	Seed       string
	// RetryDelay stands in for the queue's visibility timeout: a negative
	// one (configFromEnv's) takes the template's, so that retries outlast
	// the dedupe window and a store outage as they would in AWS; 0
	// redelivers at once (tests).
	RetryDelay time.Duration
	// SweepEvery is the sweep's period; 0 runs no sweep (tests call Sweep).
	SweepEvery time.Duration
	// Kick app credentials and API locations, for the reconcile and the
	// OAuth routes; without a client id, a fake Kick serves both.
	KickClientID, KickClientSecret, KickAPIURL, KickAuthURL string
	// PublicBaseURL and StateSigningKey (hex) configure the OAuth routes;
	// empty means http://localhost:<port> and a generated key.
	PublicBaseURL, StateSigningKey string
	// Discord application; an empty bot token serves a fake Discord.
	DiscordPublicKey, DiscordAppID, DiscordBotToken, DiscordAPIURL string
	// ClipServiceURL and ClipServiceKey name the optional clip service
	// !clip also asks for a real clip; an empty URL asks none.
	ClipServiceURL, ClipServiceKey string

	// Test hooks, unset by make dev. now is the clock of the webhook and
	// the worker (nil is time.Now); dynamoOptions adjust the DynamoDB
	// client; queueOptions the job queue's options (a fake clock);
	// wrapQueue stands between the bot and the queue, and wrapWorker
	// between the queue and the worker (injected faults).
	now           func() time.Time
	dynamoOptions []func(*dynamodb.Options)
	queueOptions  func(*localqueue.Options)
	wrapQueue     func(ingest.Queue) ingest.Queue
	wrapWorker    func(localqueue.Handler) localqueue.Handler
	// interactionsNow is the interactions endpoint's clock, which checks
	// signatures and stamps requests (nil is time.Now); random makes the
	// seeds of slot call picks and raffle draws (nil is crypto/rand), so
	// that a test knows the picks.
	interactionsNow func() time.Time
	random          io.Reader
	// announcer, when set, posts the go-live alerts and stream recaps
	// instead of the announcement service (a test's recording one).
	announcer announce.Announcer
}

func configFromEnv() config {
	get := func(k, def string) string {
		if v := os.Getenv(k); v != "" {
			return v
		}
		return def
	}
	return config{
		ListenAddr: get("LISTEN_ADDR", "127.0.0.1:8080"),
		Endpoint:   os.Getenv("AWS_ENDPOINT_URL"),
		DynamoAddr: get("DYNAMODB_ADDR", "127.0.0.1:8000"),
		Table:      get("TABLE_NAME", "kickbot-local"),
		KeyFile:    os.Getenv("KICK_PUBLIC_KEY_FILE"),
		LocalDir:   get("LOCAL_DIR", ".local"),
		Seed:       os.Getenv("SEED_CONNECTIONS"),
		RetryDelay: -1,
		SweepEvery: time.Minute,

		KickClientID:     os.Getenv("KICK_CLIENT_ID"),
		KickClientSecret: os.Getenv("KICK_CLIENT_SECRET"),
		KickAPIURL:       os.Getenv("KICK_API_URL"),
		KickAuthURL:      os.Getenv("KICK_AUTH_URL"),
		PublicBaseURL:    os.Getenv("PUBLIC_BASE_URL"),
		StateSigningKey:  os.Getenv("STATE_SIGNING_KEY"),

		DiscordPublicKey: os.Getenv("DISCORD_PUBLIC_KEY"),
		DiscordAppID:     get("DISCORD_APPLICATION_ID", discordsim.AppID),
		DiscordBotToken:  os.Getenv("DISCORD_BOT_TOKEN"),
		DiscordAPIURL:    os.Getenv("DISCORD_API_URL"),

		ClipServiceURL: os.Getenv("CLIP_SERVICE_URL"),
		ClipServiceKey: os.Getenv("CLIP_SERVICE_KEY"),
	}
}

func main() {
	// Each line names its delivery, job or interaction (package logattr), as in Lambda.
	log := slog.New(logattr.NewHandler(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})))
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	cfg := configFromEnv()
	if v := os.Getenv("SWEEP_EVERY"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second {
			log.Error("SWEEP_EVERY must be a duration of at least 1s, such as 5s or 1m", "value", v)
			os.Exit(1)
		}
		cfg.SweepEvery = d
	}
	r, err := start(ctx, cfg, log)
	if err != nil {
		log.Error("local runner failed to start", "err", err)
		os.Exit(1)
	}
	r.printBanner(os.Stdout)
	<-ctx.Done()
	r.Close()
}

// queueRetries returns the template's redrive limit and the delay before a
// failed job is offered again: retryDelay, or the template's visibility
// timeout when retryDelay is negative. A faster local retry would send
// jobs accepted during a short store outage to the dead-letter queue,
// which the deployed stack does not.
func queueRetries(tpl *stack.Template, retryDelay time.Duration) (maxReceive int, delay time.Duration, err error) {
	if maxReceive, err = tpl.MaxReceiveCount(stack.JobsQueue); err != nil {
		return 0, 0, err
	}
	if retryDelay >= 0 {
		return maxReceive, retryDelay, nil
	}
	delay, err = tpl.VisibilityTimeout(stack.JobsQueue)
	return maxReceive, delay, err
}

// runner is a started local stack.
type runner struct {
	cfg        config
	URL        string // base URL of the HTTP routes
	Endpoint   string // DynamoDB endpoint in use
	Embedded   bool
	PrivateKey string // path of the generated signing key, if any
	// DiscordKey is the hex public key interactions are verified with;
	// DiscordPrivateKey the path of its generated private half, if any.
	DiscordKey, DiscordPrivateKey string
	// DiscordFake is the fake Discord deferred answers go to, and
	// DiscordURL where it is served; both unset with a bot token.
	DiscordFake *discord.Fake
	DiscordURL  string
	Store       *dynamo.Store
	Queue       *localqueue.Queue
	Sweeper     *sweep.Sweeper
	Upkeep      *upkeep.Upkeep
	// Reconciler is the upkeep's live-status check with Kick; the upkeep
	// runs it every five minutes against a real Kick only.
	Reconciler *sweep.Reconciler
	// Kick is the client of Kick (or of KickFake) every part shares.
	Kick *kickapi.Client
	// Connect is the Kick consent flow the OAuth routes and the slash
	// commands use; BaseURL is where its links point.
	Connect *connect.Service
	BaseURL string
	// KickFake is the fake Kick the OAuth routes talk to, and KickFakeURL
	// where it is served; both unset with KICK_CLIENT_ID.
	KickFake    *kickfake.Server
	KickFakeURL string
	// fakeSignedIn is who the fake Kick's home page signed in last.
	fakeMu       sync.Mutex
	fakeSignedIn kickfake.User
	db           *localdb.Server // the embedded emulator, when used
	seeded       []connection
	closers      []func()
	keyDir       string // where generated key pairs go: LOCAL_DIR/<port>
}

type connection struct {
	guild       string
	broadcaster int64
}

func start(ctx context.Context, cfg config, log *slog.Logger) (_ *runner, err error) {
	r := &runner{cfg: cfg}
	defer func() {
		if err != nil {
			r.Close()
		}
	}()
	tpl, err := stack.Load()
	if err != nil {
		return nil, err
	}
	// Listen first: the OAuth links are built from the port.
	ln, err := net.Listen("tcp", cfg.ListenAddr)
	if err != nil {
		return nil, err
	}
	r.closers = append(r.closers, func() { ln.Close() })
	r.URL = "http://" + ln.Addr().String()
	// Keys go in a directory of this port's own: the port is ours while we
	// listen, so no other runner writes there.
	r.keyDir = kicksim.KeyDir(cfg.LocalDir, ln.Addr().String())

	// Store: the embedded emulator unless an endpoint is given.
	endpoint := cfg.Endpoint
	if endpoint == "" {
		db, err := localdb.Start(ctx, cfg.DynamoAddr)
		if err != nil {
			return nil, fmt.Errorf("start embedded DynamoDB: %w", err)
		}
		r.closers = append(r.closers, db.Close)
		endpoint, r.Embedded, r.db = db.Endpoint, true, db
	}
	client, err := dynamo.NewClient(ctx, endpoint, cfg.dynamoOptions...)
	if err != nil {
		return nil, err
	}
	r.Endpoint = endpoint
	if err := stack.CreateTable(ctx, client, cfg.Table); err != nil {
		return nil, fmt.Errorf("create table %s: %w", cfg.Table, err)
	}
	r.Store = dynamo.New(client, cfg.Table)

	conns, err := parseSeed(cfg.Seed)
	if err != nil {
		return nil, err
	}
	for _, c := range conns {
		if err := r.Store.Connect(ctx, c.guild, c.broadcaster, time.Now()); err != nil {
			return nil, fmt.Errorf("seed connection %s:%d: %w", c.guild, c.broadcaster, err)
		}
	}
	r.seeded = conns

	key, err := r.kickKey(cfg)
	if err != nil {
		return nil, err
	}

	// Worker behind an in-process FIFO queue with the template's redrive
	// limit and visibility timeout.
	maxReceive, retryDelay, err := queueRetries(tpl, cfg.RetryDelay)
	if err != nil {
		return nil, err
	}
	cfg.RetryDelay = retryDelay
	dkey, err := r.discordKey(cfg)
	if err != nil {
		return nil, err
	}
	rest, err := r.discordREST(cfg, log.With("function", "discord-fake"))
	if err != nil {
		return nil, err
	}
	if r.Connect, err = r.connectService(cfg, ln.Addr(), log.With("function", "oauth")); err != nil {
		return nil, err
	}
	if err := r.seedLogins(ctx); err != nil {
		return nil, err
	}
	r.Sweeper = &sweep.Sweeper{Store: r.Store, Timers: r.Store, Raffle: r.Store, Stats: r.Store, Alerts: r.Store, Follows: r.Store, Log: log.With("function", "sweep")}
	wlog := log.With("function", "worker")
	tokens := &credential.Source{Store: r.Store, Kick: kickapi.Adapter{Client: r.Kick}}
	notify := &notice.Notifier{Store: r.Store, Poster: rest}
	commands := &interact.Handler{Store: r.Store, Kick: r.Connect, Links: r.Store, Roles: r.Store, Bans: r.Store, Custom: r.Store, Timers: r.Store, Hunts: r.Store, Picked: r.Store, Purge: r.Store, Export: r.Store}
	commands.GTB = &interact.GTB{Rounds: r.Store, Channels: r.Store, Hunts: r.Store}
	r.Upkeep = &upkeep.Upkeep{Store: r.Store, Tokens: tokens, Notify: notify, Log: log.With("function", "upkeep"),
		Repair: func(ctx context.Context) error { _, err := r.Connect.RepairAll(ctx); return err },
		Unlist: func(ctx context.Context) error { _, err := r.Store.UnlistDisconnected(ctx); return err }}
	r.Reconciler = &sweep.Reconciler{Store: r.Store, Channels: r.Kick, Log: log.With("function", "upkeep")}
	if r.KickFake == nil {
		// Against the fake, stay with the replayed live status; tests run
		// r.Reconciler themselves.
		r.Upkeep.Reconcile = r.Reconciler.Run
	}
	sender := &chat.Sender{Kick: kickapi.ChatPoster{Client: r.Kick}, Tokens: tokens, Store: r.Store, Log: wlog}
	commands.GTB.Chat, commands.GTB.Now = sender, cfg.now
	commands.Calls = &calls.Admin{Store: r.Store, Channels: r.Store, Chat: sender, Poster: rest, Log: wlog, Random: cfg.random}
	commands.Giveaways = &giveaway.Admin{Store: r.Store, Channels: r.Store, Chat: sender, Poster: rest, Log: wlog}
	commands.GTB.Embeds = rest
	commands.Raffle = &raffle.Admin{Store: r.Store, Channels: r.Store, Chat: sender, Embeds: rest, Now: cfg.now, Random: cfg.random}
	commands.Clips = &clip.Admin{Store: r.Store}
	announcer := &announce.Service{Store: r.Store, Poster: rest, Follows: r.Store, Channels: r.Store, Now: cfg.now, Log: wlog}
	commands.Announce = announcer
	clips := feature.Clips{Announcer: announcer, Log: wlog}
	if cfg.ClipServiceURL != "" {
		svc, err := clipsvc.New(cfg.ClipServiceURL, cfg.ClipServiceKey)
		if err != nil {
			return nil, fmt.Errorf("CLIP_SERVICE_URL, CLIP_SERVICE_KEY: %w", err)
		}
		clips.Service = svc
	}
	commands.Rewards = &rewards.Admin{Store: r.Store}
	worker := &work.Worker{
		Store: r.Store, Sweep: r.Sweeper, Log: wlog, Raffle: r.Store,
		Rewards:  &rewards.Service{Store: r.Store, Say: sender, Log: wlog},
		Interact: commands, Replies: discord.Replies{REST: rest}, RetryAfter: cfg.RetryDelay,
		Chat:   &chat.Commands{Viewers: r.Store, Lookups: r.Store, Customs: r.Store, Log: wlog, RetryAfter: cfg.RetryDelay, Chat: sender, Features: feature.Answerers(r.Store, rest, clips)},
		Timers: r.Store, Say: sender,
		Roles:     &rolesync.Syncer{Store: r.Store, Discord: rest, Notify: notify},
		Reconnect: r.Upkeep,
		Announce:  announcer,
		Now:       cfg.now,
	}
	var alerts announce.Announcer = announcer
	if cfg.announcer != nil {
		alerts = cfg.announcer
	}
	live := &golive.Alerts{Store: r.Store, Kick: r.Kick, Announce: alerts}
	worker.Live, announcer.Flaps = live, live
	qopts := localqueue.Options{
		MaxReceiveCount: maxReceive, Log: log.With("function", "queue"), RetryDelay: cfg.RetryDelay,
	}
	if cfg.queueOptions != nil {
		cfg.queueOptions(&qopts)
	}
	var handler localqueue.Handler = jobqueue.Handler(worker, log.With("function", "worker"))
	if cfg.wrapWorker != nil {
		handler = cfg.wrapWorker(handler)
	}
	r.Queue = localqueue.New(handler, qopts)
	var queue ingest.Queue = r.Queue
	if cfg.wrapQueue != nil {
		queue = cfg.wrapQueue(r.Queue)
	}
	// Fan-outs go through the same in-process queue as in AWS.
	r.Sweeper.Queue, r.Upkeep.Queue, r.Reconciler.Queue = queue, queue, queue
	qctx, stopQueue := context.WithCancel(context.WithoutCancel(ctx))
	go r.Queue.Run(qctx)
	r.closers = append(r.closers, stopQueue)
	if cfg.SweepEvery > 0 {
		// The template's three schedules; tests call Upkeep.Run.
		for task, every := range map[upkeep.Task]time.Duration{upkeep.Live: upkeep.LiveEvery, upkeep.Roles: upkeep.RolesEvery, upkeep.Connections: time.Hour} {
			uctx, stop := context.WithCancel(context.WithoutCancel(ctx))
			done := make(chan struct{})
			go func() { defer close(done); r.upkeepEvery(uctx, task, every, log) }()
			r.closers = append(r.closers, func() { stop(); <-done })
		}
	}
	if cfg.SweepEvery > 0 {
		sctx, stopSweep := context.WithCancel(context.WithoutCancel(ctx))
		done := make(chan struct{})
		go func() { defer close(done); r.sweepEvery(sctx, cfg.SweepEvery, log) }()
		r.closers = append(r.closers, func() { stopSweep(); <-done })
	}

	now := cfg.now
	if now == nil {
		now = time.Now
	}
	svc := &ingest.Service{Store: r.Store, Queue: queue, Now: now, Log: log.With("function", "webhook")}
	svc.Giveaways = &giveaway.Entrance{Keywords: &giveaway.Keywords{Store: r.Store}, Store: r.Store}
	mux := http.NewServeMux()
	bridge := discord.Bridge{Handler: commands, Later: queue, Now: cfg.interactionsNow}
	webhook := kick.NewHandler(kick.NewVerifier(key), svc.Handle, svc.KeepUnprocessable, log.With("function", "webhook"), now)
	interactions := discord.NewHTTPHandler(discord.Verifier{Key: dkey}, bridge, log.With("function", "interactions"), cfg.interactionsNow)
	oauth := oauthweb.New(r.Connect, log.With("function", "oauth"), time.Now)
	for pattern, h := range routes(webhook, interactions, oauth) {
		mux.Handle(pattern, h)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("serve", "err", err)
		}
	}()
	r.closers = append(r.closers, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return r, nil
}

// routes maps each API Gateway route of the template ("METHOD /path", the
// ServeMux pattern syntax) to its handler. A test holds it equal to the
// template's routes. oauth serves both OAuth paths (oauthweb.Handler).
func routes(kickWebhook, interactions, oauth http.Handler) map[string]http.Handler {
	return map[string]http.Handler{
		"POST /webhooks/kick":         kickWebhook,
		"POST /interactions":          interactions,
		"GET " + connect.StartPath:    oauth,
		"GET " + connect.CallbackPath: oauth,
	}
}

// discordKey returns the key interactions are verified with: the
// configured one, or a freshly generated pair whose private half the
// replayer reads.
func (r *runner) discordKey(cfg config) (ed25519.PublicKey, error) {
	if cfg.DiscordPublicKey != "" {
		k, err := discord.ParsePublicKey(cfg.DiscordPublicKey)
		if err != nil {
			return nil, fmt.Errorf("DISCORD_PUBLIC_KEY: %w", err)
		}
		r.DiscordKey = hex.EncodeToString(k)
		return k, nil
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	r.DiscordPrivateKey = filepath.Join(r.keyDir, "discord-private.key")
	if err := discordsim.WritePrivateKey(r.DiscordPrivateKey, priv); err != nil {
		return nil, err
	}
	r.DiscordKey = hex.EncodeToString(pub)
	return pub, nil
}

// fakeBotToken is what the runner's REST client presents to its own fake.
const fakeBotToken = "local-fake-bot-token"

// discordREST returns the client deferred answers go through: Discord's
// API with a bot token, else a fake Discord on its own loopback port
// that logs each request.
func (r *runner) discordREST(cfg config, log *slog.Logger) (*discord.REST, error) {
	app := cmp.Or(cfg.DiscordAppID, discordsim.AppID)
	if cfg.DiscordBotToken != "" {
		return discord.NewREST(cfg.DiscordBotToken, app, cfg.DiscordAPIURL)
	}
	r.DiscordFake = &discord.Fake{BotToken: fakeBotToken}
	logged := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.DiscordFake.ServeHTTP(w, req)
		reqs := r.DiscordFake.Requests()
		last := reqs[len(reqs)-1]
		body, _ := json.Marshal(last.Body)
		log.Info("fake Discord received", "method", last.Method, "path", last.Path, "body", string(body))
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: logged, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	r.closers = append(r.closers, func() { srv.Close() })
	r.DiscordURL = "http://" + ln.Addr().String()
	return discord.NewREST(fakeBotToken, app, r.DiscordURL)
}

// kickKey returns the public key webhooks are verified with: the configured
// file, or a freshly generated pair whose private half the replayer reads.
func (r *runner) kickKey(cfg config) (*rsa.PublicKey, error) {
	if cfg.KeyFile != "" {
		return kick.LoadPublicKey(cfg.KeyFile)
	}
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	r.PrivateKey = filepath.Join(r.keyDir, "kick-private.pem")
	if err := kicksim.WritePrivateKey(r.PrivateKey, priv); err != nil {
		return nil, err
	}
	if err := kicksim.WritePublicKey(filepath.Join(r.keyDir, "kick-public.pem"), &priv.PublicKey); err != nil {
		return nil, err
	}
	return &priv.PublicKey, nil
}

// seedLogins gives each seeded channel a login on the fake Kick, as if
// its streamer had connected it, so the bot can answer in its chat. Against
// a real Kick a seeded channel has no login until connected.
func (r *runner) seedLogins(ctx context.Context) error {
	if r.KickFake == nil {
		return nil
	}
	scopes := []string{"user:read", "channel:read", "chat:write", "events:subscribe"}
	for _, c := range r.seeded {
		access, refresh := r.KickFake.IssueUserToken(kickfake.User{ID: c.broadcaster, Name: fmt.Sprint("channel", c.broadcaster)}, scopes...)
		tok := credential.Token{Access: access, Refresh: refresh, Expiry: time.Now().Add(time.Hour)}
		if err := r.Store.PutCredentials(ctx, c.broadcaster, tok, scopes); err != nil {
			return fmt.Errorf("seed the login of channel %d: %w", c.broadcaster, err)
		}
	}
	return nil
}

// parseSeed reads SEED_CONNECTIONS: "guildID:broadcasterUserID[,...]".
func parseSeed(s string) ([]connection, error) {
	var out []connection
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		g, b, ok := strings.Cut(part, ":")
		id, err := strconv.ParseInt(strings.TrimSpace(b), 10, 64)
		if !ok || strings.TrimSpace(g) == "" || err != nil || id <= 0 {
			return nil, fmt.Errorf("SEED_CONNECTIONS: %q is not guildID:broadcasterUserID", part)
		}
		out = append(out, connection{guild: strings.TrimSpace(g), broadcaster: id})
	}
	return out, nil
}

func (r *runner) printBanner(w *os.File) {
	fmt.Fprintf(w, "kickbot local runner\n")
	fmt.Fprintf(w, "  Kick webhook   POST %s/webhooks/kick\n", r.URL)
	fmt.Fprintf(w, "  Discord        POST %s/interactions, public key %s\n", r.URL, r.DiscordKey)
	if r.DiscordFake != nil {
		fmt.Fprintf(w, "  Discord REST   local fake at %s (set DISCORD_BOT_TOKEN for the real one)\n", r.DiscordURL)
	}
	kind := "embedded emulator"
	if !r.Embedded {
		kind = "AWS_ENDPOINT_URL"
	}
	fmt.Fprintf(w, "  DynamoDB       %s (%s), table %s\n", r.Endpoint, kind, r.cfg.Table)
	r.printKick(w)
	if r.PrivateKey != "" {
		fmt.Fprintf(w, "  signing key    generated; the replayer signs with %s\n", r.PrivateKey)
	} else {
		fmt.Fprintf(w, "  signing key    verifying with %s\n", r.cfg.KeyFile)
	}
	for _, c := range r.seeded {
		fmt.Fprintf(w, "  connection     guild %s <- Kick broadcaster %d\n", c.guild, c.broadcaster)
	}
	if len(r.seeded) == 0 {
		fmt.Fprintf(w, "  connection     none yet: /kick connect (below), or SEED_CONNECTIONS=guildID:broadcasterUserID\n")
	}
	fmt.Fprintf(w, "try:\n  go run ./scripts/replay scenario -url %s/webhooks/kick\n", r.URL)
	if len(r.seeded) > 0 {
		g := r.seeded[0].guild
		fmt.Fprintf(w, "  go run ./scripts/replay show -endpoint %s -table %s -guild %s\n", r.Endpoint, r.cfg.Table, g)
		if r.DiscordPrivateKey != "" {
			fmt.Fprintf(w, "  go run ./scripts/replay command -url %s/interactions -guild %s leaderboard board:points\n", r.URL, g)
		}
	}
	r.printClickThrough(w)
}

// Close stops everything start started, last first.
func (r *runner) Close() {
	for i := len(r.closers) - 1; i >= 0; i-- {
		r.closers[i]()
	}
	r.closers = nil
}

// upkeepEvery runs task every period, as the template's schedules do.
func (r *runner) upkeepEvery(ctx context.Context, task upkeep.Task, period time.Duration, log *slog.Logger) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			err := r.Upkeep.Run(ctx, task, now)
			log.Log(ctx, levelOf(err), "upkeep", "task", task, "err", err)
		}
	}
}

// levelOf is ERROR for a run that failed, INFO for one that did not.
func levelOf(err error) slog.Level {
	if err != nil {
		return slog.LevelError
	}
	return slog.LevelInfo
}

// sweepEvery runs the sweep every period, as EventBridge does each minute,
// for the wall clock's minute. A shorter period only credits each minute
// sooner after it ends: every run makes up the minutes since the last.
func (r *runner) sweepEvery(ctx context.Context, period time.Duration, log *slog.Logger) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			m := watchtime.MinuteOf(now)
			rep, err := r.Sweeper.Run(ctx, m, now)
			log.Log(ctx, levelOf(err), "sweep", "minute", int64(m), "guilds", rep.Guilds, "viewers", rep.Viewers, "credited", rep.Credited,
				"follow_batches", rep.Follows, "err", err)
		}
	}
}
