// Command worker is the Lambda function that runs jobs from the FIFO queue.
package main

import (
	"context"
	"errors"
	"log/slog"
	"strconv"

	"github.com/kickbot/kickbot/functions/internal/bot"
	"github.com/kickbot/kickbot/functions/internal/config"
	"github.com/kickbot/kickbot/shared/announce"
	"github.com/kickbot/kickbot/shared/aws/dynamo"
	"github.com/kickbot/kickbot/shared/aws/jobqueue"
	"github.com/kickbot/kickbot/shared/calls"
	"github.com/kickbot/kickbot/shared/chat"
	"github.com/kickbot/kickbot/shared/clip"
	"github.com/kickbot/kickbot/shared/connect"
	"github.com/kickbot/kickbot/shared/credential"
	"github.com/kickbot/kickbot/shared/discord"
	"github.com/kickbot/kickbot/shared/feature"
	"github.com/kickbot/kickbot/shared/giveaway"
	"github.com/kickbot/kickbot/shared/golive"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/job"
	"github.com/kickbot/kickbot/shared/kick/kickapi"
	"github.com/kickbot/kickbot/shared/metric"
	"github.com/kickbot/kickbot/shared/notice"
	"github.com/kickbot/kickbot/shared/raffle"
	"github.com/kickbot/kickbot/shared/rewards"
	"github.com/kickbot/kickbot/shared/rolesync"
	"github.com/kickbot/kickbot/shared/sweep"
	"github.com/kickbot/kickbot/shared/upkeep"
	"github.com/kickbot/kickbot/shared/work"
)

var _ chat.Lookups = (*dynamo.Store)(nil)

// workerConcurrency bounds the parallel credit writes for one guild: a
// guild with 20,000 active viewers then takes about 20,000 / 32 round
// trips of a few milliseconds, well inside the function's timeout.
const workerConcurrency = 32

func main() {
	config.Main("worker", func(env *config.Env, log *slog.Logger) (any, error) {
		w, err := setup(env, log)
		if err != nil {
			return nil, err
		}
		return metric.Handle(config.Metrics(env, "worker", log), jobqueue.Handler(w, log)), nil
	})
}

// setup reads the configuration and builds the clients, once per cold start.
func setup(env *config.Env, log *slog.Logger) (*work.Worker, error) {
	store, err := config.Store(env)
	if err != nil {
		return nil, err
	}
	rest, err := bot.REST(env)
	if err != nil {
		return nil, err
	}
	kick, err := config.Kick(env)
	if err != nil {
		return nil, err
	}
	clips, err := config.ClipService(env)
	if err != nil {
		return nil, err
	}
	w := worker(store, rest, kick, log)
	if clips != nil {
		useClipService(w, clips)
	}
	// The bot account's own messages are never commands. Its replies
	// never start with "!" anyway (chat.Speakable); the id also covers
	// what it says otherwise.
	if id, err := strconv.ParseInt(env.Getenv("KICK_BOT_USER_ID"), 10, 64); err == nil && id > 0 {
		if c, ok := w.Chat.(*chat.Commands); ok {
			c.BotUserID = id
		}
		if s, ok := w.Sweep.(*sweep.Sweeper); ok {
			s.BotUserID = id // nor chat that wakes a timer
		}
	}
	return w, nil
}

// worker wires the worker over store; without rest (Discord) or kick
// (Kick) the jobs that need them fail and are logged.
func worker(store *dynamo.Store, rest *discord.REST, kick *kickapi.Client, log *slog.Logger) *work.Worker {
	// The worker credits one guild per fan-out job; it never fans out again.
	// The timed message such a job finds due runs here at once: it needs
	// no queue of its own.
	sw := &sweep.Sweeper{Store: store, Timers: store, Raffle: store, Stats: store, Concurrency: workerConcurrency, Log: log}
	eventRewards := &rewards.Service{Store: store, Log: log}
	w := &work.Worker{Store: store, Sweep: sw, Timers: store, Raffle: store, Rewards: eventRewards, Log: log}
	sw.Queue = inline{w}
	commands := &interact.Handler{Store: store, Links: store, Roles: store, Bans: store, Custom: store, Timers: store, Hunts: store, Picked: store, Purge: store, Export: store}
	commands.GTB = &interact.GTB{Rounds: store, Channels: store, Hunts: store}
	slotCalls := &calls.Admin{Store: store, Channels: store, Log: log}
	commands.Calls = slotCalls
	giveaways := &giveaway.Admin{Store: store, Channels: store, Log: log}
	commands.Giveaways = giveaways
	raffles := &raffle.Admin{Store: store, Channels: store}
	commands.Raffle = raffles
	var poster calls.Poster // a nil *discord.REST in it would not read as nil
	clips := feature.Clips{Log: log}
	if rest != nil {
		ann := &announce.Service{Store: store, Poster: rest, Follows: store, Channels: store, Log: log, Flaps: &golive.Alerts{Store: store}}
		w.Announce, commands.Announce, clips.Announcer = ann, ann, ann
		poster, slotCalls.Poster, commands.GTB.Embeds, giveaways.Poster, raffles.Embeds = rest, rest, rest, rest, rest
		w.Interact, w.Replies = commands, discord.Replies{REST: rest}
		w.Roles = &rolesync.Syncer{Store: store, Discord: rest, Notify: &notice.Notifier{Store: store, Poster: rest}}
	} else {
		log.Warn("DISCORD_APPLICATION_ID or the bot token is not set: deferred slash commands, role rewards and announcements are off")
	}
	if kick != nil {
		k := kickapi.Adapter{Client: kick}
		commands.Kick = &connect.Service{Store: store, Kick: k, Log: log}
		tokens := &credential.Source{Store: store, Kick: k}
		if rest != nil {
			w.Reconnect = &upkeep.Upkeep{Store: store, Notify: &notice.Notifier{Store: store, Poster: rest}, Log: log}
		}
		sender := &chat.Sender{Kick: kickapi.ChatPoster{Client: kick}, Tokens: tokens, Store: store, Log: log}
		w.Chat = &chat.Commands{Viewers: store, Lookups: store, Customs: store, Log: log, RetryAfter: work.DefaultRetryAfter, Chat: sender,
			Features: feature.Answerers(store, poster, clips)}
		slotCalls.Chat, giveaways.Chat = sender, sender
		commands.GTB.Chat, raffles.Chat = sender, sender
		w.Say, eventRewards.Say = sender, sender
	} else {
		log.Warn("KICK_CLIENT_ID or the client secret is not set: chat replies and /kick status are off")
	}
	w.Live = liveAlerts(store, kick, clips.Announcer)
	return w
}

// useClipService has !clip also ask svc for a real clip.
func useClipService(w *work.Worker, svc clip.Service) {
	if c, ok := w.Chat.(*chat.Commands); ok {
		if answer, ok := c.Features[clip.Name].(*clip.Chat); ok {
			answer.Service = svc
		}
	}
}

// liveAlerts wires the go-live alerts and recaps; nil (none) without
// Kick, whose channels API gives the alert's title and thumbnail, or
// without an announcer.
func liveAlerts(store *dynamo.Store, kick *kickapi.Client, a announce.Announcer) work.LiveAlerts {
	if kick == nil || a == nil {
		return nil
	}
	return &golive.Alerts{Store: store, Kick: kick, Announce: a}
}

// inline runs the jobs it is given at once, in the worker: the timer posts
// of a sweep job.
type inline struct{ w *work.Worker }

func (q inline) Enqueue(ctx context.Context, jobs ...job.Job) error {
	var errs []error
	for _, j := range jobs {
		errs = append(errs, q.w.Do(ctx, j))
	}
	return errors.Join(errs...)
}
