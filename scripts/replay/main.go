// Command replay sends Kick webhook deliveries to a URL, signed like Kick
// signs them: the fixture files, or a scripted stream with many viewers.
// With "show" it prints what the bot stored for a guild; with "command"
// and "click" it plays a Discord member, signed like Discord signs.
//
//	replay fixtures   [-dir testdata/kick]
//	replay scenario   [-viewers 20] [-minutes 10] [-duplicates 5] [-seed 1] [-stay-live]
//	replay engine     -guild G [-minutes 15]
//	replay bonushunt  -guild G [-channel ID]
//	replay subtrain   -guild G [-channel ID] [-wait 10s]
//	replay fullstream -guild G [-channel ID] [-role ID]
//	replay show       -guild G [-endpoint URL] [-table NAME]
//	replay command    -guild G [-user ID] [-admin] NAME [SUB] [OPTION:VALUE ...]
//	replay click      -guild G [-user ID] CUSTOM_ID
//
// Common flags: -url (default http://127.0.0.1:8080/webhooks/kick, or
// …/interactions for command and click) and -key (default: the private
// key the local runner listening on -url's port wrote, in
// LOCAL_DIR/<port>/: kick-private.pem, or discord-private.key).
//
// "engine" plays the chat engine's scenario in real time: an admin makes
// three custom commands and two timers with slash commands, then a
// quarter hour of chat goes busy, quiet and busy again, typing commands
// (kicksim.ChatEngine; scripts/local's TestChatEngineScenario checks what
// the bot says to it, minute by minute).
//
// "bonushunt" plays a bonus hunt stream in real time, about six minutes:
// the stream goes live, 30 viewers call slots, five calls are picked into
// a hunt with their payouts, the hunt finishes and a guess-the-balance
// round takes its result from it (kicksim.BonusHunt; scripts/local's
// TestBonusHuntScenario checks what the bot says and posts). -channel is
// the Discord channel calls, picks and the result are posted to.
//
// "subtrain" plays a sub train during a raffle: /raffle start with three
// winners, 20 gifted-sub deliveries (every fourth re-sent with its
// message id), one gift voided during its hold, renewals and KICKs,
// !tickets and !raffle, then -wait later /raffle draw into -channel
// (kicksim.SubTrain; scripts/local's TestSubTrainScenario checks what the
// bot says and posts, and recomputes the winners). Gift tickets are held
// 24 h: with the default -wait they still hold at the draw, which then
// draws from the renewals and KICKs; -wait 25h lets them count.
//
// "fullstream" plays a whole stream in real time, about eleven minutes:
// the admin sends every kind of announcement to -channel (the go-live
// mentioning -role, with a 15 minute flap window), sets points and
// thank-yous for events; the stream goes live (the status event sent
// twice, and re-sent), viewers chat, follow, subscribe, renew, gift 13
// subs, send KICKs, redeem a reward and mark two clips (a third !clip,
// too early, is refused), and the stream goes offline
// (kicksim.FullStream; scripts/local's TestFullStreamScenario checks
// every post and chat line). The runner's sweep posts the follow batch 5
// minutes after the first follow and the recap 15 minutes after the
// offline.
//
// It exits 1 when a delivery or interaction is answered with anything
// but 2xx, 2 on a usage error, 0 after -h.
//
// For example: replay command -guild 1234 -admin points add user:alice amount:50
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	neturl "net/url"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/kickbot/kickbot/scripts/discordsim"
	"github.com/kickbot/kickbot/scripts/kicksim"
	"github.com/kickbot/kickbot/shared/aws/dynamo"
	"github.com/kickbot/kickbot/shared/discord"
	"github.com/kickbot/kickbot/shared/interact"
)

func main() {
	err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintln(os.Stderr, "replay:", err)
	}
	os.Exit(exitCode(err))
}

// usageError is a mistake in the command line.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// exitCode is what the flag package would exit with: 0 after -h, 2 for a
// usage error; and 1 for any other failure, such as a rejected delivery.
func exitCode(err error) int {
	var ue usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		return 2
	}
	return 1
}

// modes are the subcommands with their synopses, for the usage text.
var modes = []struct{ name, synopsis string }{
	{"fixtures", "[-url URL] [-key FILE] [-dir testdata/kick]"},
	{"scenario", "[-url URL] [-key FILE] [-broadcaster ID] [-viewers 20] [-minutes 10] [-duplicates 5] [-seed 1] [-stay-live]"},
	{"engine", "-guild G [-url URL] [-key FILE] [-broadcaster ID] [-minutes 15]"},
	{"bonushunt", "-guild G [-url URL] [-key FILE] [-broadcaster ID] [-channel ID]"},
	{"subtrain", "-guild G [-url URL] [-key FILE] [-broadcaster ID] [-channel ID] [-wait 10s]"},
	{"fullstream", "-guild G [-url URL] [-key FILE] [-broadcaster ID] [-channel ID] [-role ID]"},
	{"show", "-guild G [-endpoint URL] [-table NAME]"},
	{"command", "-guild G [-url URL] [-key FILE] [-user ID] [-admin] NAME [SUB] [OPTION:VALUE ...]"},
	{"click", "-guild G [-url URL] [-key FILE] [-user ID] [-admin] CUSTOM_ID"},
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage:")
	for _, m := range modes {
		fmt.Fprintf(w, "  replay %-10s %s\n", m.name, m.synopsis)
	}
	fmt.Fprintln(w, `
-key defaults to the key the local runner listening on -url's port wrote:
LOCAL_DIR/<port>/kick-private.pem (discord-private.key for command and click).
"replay MODE -h" describes a mode's flags. Exit status: 1 when a delivery or
interaction is answered with anything but 2xx, 2 on a usage error.`)
}

func run(ctx context.Context, args []string, out, errOut io.Writer) error {
	if len(args) == 0 {
		usage(errOut)
		return usageError{"no mode given"}
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(errOut)
		return flag.ErrHelp
	}
	synopsis := ""
	for _, m := range modes {
		if m.name == args[0] {
			synopsis = m.synopsis
		}
	}
	if synopsis == "" {
		usage(errOut)
		return usageError{fmt.Sprintf("unknown mode %q", args[0])}
	}
	mode := args[0]
	fs := flag.NewFlagSet(mode, flag.ContinueOnError)
	fs.SetOutput(errOut)
	fs.Usage = func() {
		fmt.Fprintf(errOut, "usage: replay %s %s\n", mode, synopsis)
		fs.PrintDefaults()
	}
	discordMode := mode == "command" || mode == "click"
	// Each mode defines only its own flags, so that -h lists just those.
	var (
		url, keyPath, guild, user, dir, endpoint, table string
		admin                                           bool
		sc                                              kicksim.Scenario
		engine                                          kicksim.ChatEngine
		hunt                                            kicksim.BonusHunt
		train                                           kicksim.SubTrain
		full                                            kicksim.FullStream
	)
	if mode != "show" {
		def := "http://127.0.0.1:8080/webhooks/kick"
		if discordMode {
			def = "http://127.0.0.1:8080/interactions"
		}
		fs.StringVar(&url, "url", def, "webhook or interactions URL")
		fs.StringVar(&keyPath, "key", "", "private key to sign with (default: the one the runner on -url's port wrote, in LOCAL_DIR/<port>/)")
	}
	switch mode {
	case "fixtures":
		fs.StringVar(&dir, "dir", "testdata/kick", "fixtures directory")
	case "scenario":
		fs.Int64Var(&sc.Broadcaster, "broadcaster", 4402117, "Kick broadcaster user id")
		fs.IntVar(&sc.Viewers, "viewers", 20, "distinct chatters")
		fs.IntVar(&sc.Minutes, "minutes", 10, "stream length in minutes (ends now)")
		fs.IntVar(&sc.Duplicates, "duplicates", 5, "deliveries to send twice")
		fs.Uint64Var(&sc.Seed, "seed", 1, "seed of the chat pattern")
		fs.BoolVar(&sc.StayLive, "stay-live", false, "leave the stream live, so the sweep keeps crediting")
	case "engine":
		fs.StringVar(&guild, "guild", "", "Discord guild id, connected to -broadcaster's channel")
		fs.Int64Var(&engine.Broadcaster, "broadcaster", 4402117, "Kick broadcaster user id")
		fs.IntVar(&engine.Minutes, "minutes", 15, "minutes of chat to play (in real time)")
	case "bonushunt":
		fs.StringVar(&guild, "guild", "", "Discord guild id, connected to -broadcaster's channel")
		fs.Int64Var(&hunt.Broadcaster, "broadcaster", 4402117, "Kick broadcaster user id")
		fs.StringVar(&hunt.Channel, "channel", "883082588674195459", "Discord channel for calls, picks and the GTB result")
	case "subtrain":
		fs.StringVar(&guild, "guild", "", "Discord guild id, connected to -broadcaster's channel")
		fs.Int64Var(&train.Broadcaster, "broadcaster", 4402117, "Kick broadcaster user id")
		fs.StringVar(&train.Channel, "channel", "883082588674195459", "Discord channel the winners are posted to")
		fs.DurationVar(&train.Wait, "wait", 10*time.Second, "time from the train to the draw (gifts are held 24h)")
	case "fullstream":
		fs.StringVar(&guild, "guild", "", "Discord guild id, connected to -broadcaster's channel")
		fs.Int64Var(&full.Broadcaster, "broadcaster", 4402117, "Kick broadcaster user id")
		fs.StringVar(&full.Channel, "channel", "883082588674195459", "Discord channel every announcement goes to")
		fs.StringVar(&full.Role, "role", "883082588674195460", "Discord role the go-live mentions")
	case "show":
		fs.StringVar(&guild, "guild", "", "Discord guild id")
		fs.StringVar(&endpoint, "endpoint", os.Getenv("AWS_ENDPOINT_URL"), "DynamoDB endpoint (the runner prints it)")
		fs.StringVar(&table, "table", envOr("TABLE_NAME", "kickbot-local"), "table name")
	case "command", "click":
		fs.StringVar(&guild, "guild", "", "Discord guild id")
		fs.StringVar(&user, "user", "100000000000000001", "Discord user id of the member")
		fs.BoolVar(&admin, "admin", false, "the member has Manage Server")
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}

	if mode == "show" {
		return show(ctx, out, endpoint, table, guild)
	}
	switch mode {
	case "engine", "bonushunt", "subtrain", "fullstream":
		if guild == "" {
			fs.Usage()
			return usageError{mode + " needs -guild"}
		}
	}
	start := time.Now().UTC().Truncate(time.Second).Add(2 * time.Second)
	switch mode {
	case "engine":
		return playEngine(ctx, out, engine, guild, url, keyPath)
	case "bonushunt":
		hunt.Start = start
		return playSteps(ctx, out, hunt.Steps(), start, guild, url, keyPath)
	case "subtrain":
		if train.Wait < 0 {
			fs.Usage()
			return usageError{"-wait cannot be negative"}
		}
		train.Start = start
		return playSteps(ctx, out, train.Steps(), start, guild, url, keyPath)
	case "fullstream":
		full.Start = start
		return playSteps(ctx, out, full.Steps(), start, guild, url, keyPath)
	}
	file := "kick-private.pem"
	if discordMode {
		file = "discord-private.key"
	}
	key := keyPath
	if key == "" {
		var err error
		if key, err = runnerKey(url, file); err != nil {
			return usageError{err.Error()}
		}
	}
	if discordMode {
		if guild == "" || fs.NArg() == 0 {
			fs.Usage()
			return usageError{fmt.Sprintf("%s needs -guild and a command or custom id", mode)}
		}
		k, err := discordsim.ReadPrivateKey(key)
		if err != nil {
			return fmt.Errorf("%w (start the local runner first, or pass -key)", err)
		}
		c := discordsim.Caller{Guild: guild, UserID: user, Admin: admin}
		id := discordsim.NewID(time.Now())
		body := c.Click(id, fs.Arg(0))
		if mode == "command" {
			opts, err := commandOptions(fs.Arg(0), fs.Args()[1:])
			if err != nil {
				return usageError{err.Error()}
			}
			body = c.Command(id, fs.Arg(0), opts...)
		}
		return sendInteraction(ctx, out, &discordsim.Sender{URL: url, Key: k}, body)
	}
	k, err := kicksim.ReadPrivateKey(key)
	if err != nil {
		return fmt.Errorf("%w (start the local runner first, or pass -key)", err)
	}
	var ds []kicksim.Delivery
	if mode == "fixtures" {
		if ds, err = kicksim.Fixtures(dir, time.Now().UTC()); err != nil {
			return err
		}
	} else {
		sc.Start = time.Now().UTC().Add(-time.Duration(sc.Minutes) * time.Minute)
		ds = sc.Deliveries()
	}
	s := &kicksim.Sender{URL: url, Key: k}
	counts := map[string]int{}
	rejected := 0
	for _, d := range ds {
		status, err := s.Send(ctx, d)
		if err != nil {
			return err
		}
		if status/100 != 2 {
			rejected++
		}
		counts[fmt.Sprintf("%s %d", d.Type, status)]++
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintf(out, "sent %d deliveries to %s\n", len(ds), url)
	for _, k := range keys {
		fmt.Fprintf(out, "  %-45s x%d\n", k, counts[k])
	}
	if rejected > 0 {
		return fmt.Errorf("%d of %d deliveries were rejected (answered other than 2xx)", rejected, len(ds))
	}
	return nil
}

// playEngine sends the chat-engine scenario's slash commands to the
// interactions endpoint beside url, then its chat to url, each message at
// its time: minute 0 starts at the next whole minute.
func playEngine(ctx context.Context, out io.Writer, sc kicksim.ChatEngine, guild, url, keyPath string) error {
	ks, ds, err := senders(url, keyPath)
	if err != nil {
		return err
	}
	admin := discordsim.Caller{Guild: guild, UserID: "100000000000000001", Admin: true}
	for _, s := range sc.Setup() {
		if err := sendInteraction(ctx, out, ds, admin.Command(discordsim.NewID(time.Now()), s.Name, s.Opts...)); err != nil {
			return err
		}
	}
	sc.Start = time.Now().UTC().Truncate(time.Minute).Add(time.Minute)
	sent := 0
	for i := range sc.Length() {
		for _, d := range sc.Minute(i) {
			if err := sleepUntil(ctx, d.At); err != nil {
				return err
			}
			status, err := ks.Send(ctx, d)
			if err != nil {
				return err
			}
			if status/100 != 2 {
				return fmt.Errorf("minute %d: a chat message was answered %d", i, status)
			}
			sent++
		}
	}
	fmt.Fprintf(out, "sent %d chat messages over %d minutes from %s to %s\n", sent, sc.Length(), stamp(sc.Start), url)
	return nil
}

// senders sign for the runner at url: Kick deliveries to url with
// keyPath (default: the runner's key), interactions to /interactions
// beside it with the runner's Discord key.
func senders(url, keyPath string) (*kicksim.Sender, *discordsim.Sender, error) {
	kickKey, discordKey := keyPath, ""
	var err error
	if kickKey == "" {
		if kickKey, err = runnerKey(url, "kick-private.pem"); err != nil {
			return nil, nil, usageError{err.Error()}
		}
	}
	if discordKey, err = runnerKey(url, "discord-private.key"); err != nil {
		return nil, nil, usageError{err.Error()}
	}
	kk, err := kicksim.ReadPrivateKey(kickKey)
	if err != nil {
		return nil, nil, fmt.Errorf("%w (start the local runner first, or pass -key)", err)
	}
	dk, err := discordsim.ReadPrivateKey(discordKey)
	if err != nil {
		return nil, nil, fmt.Errorf("%w (start the local runner first)", err)
	}
	u, err := neturl.Parse(url)
	if err != nil {
		return nil, nil, usageError{fmt.Sprintf("bad -url: %v", err)}
	}
	u.Path = "/interactions"
	return &kicksim.Sender{URL: url, Key: kk}, &discordsim.Sender{URL: u.String(), Key: dk}, nil
}

// playSteps plays a scenario's steps (the bonus hunt's, the sub
// train's), which begin at start: each step at its time, slash commands
// as the guild's admin to the interactions endpoint beside url and
// deliveries to url.
func playSteps(ctx context.Context, out io.Writer, steps []kicksim.Step, start time.Time, guild, url, keyPath string) error {
	ks, ds, err := senders(url, keyPath)
	if err != nil {
		return err
	}
	admin := discordsim.Caller{Guild: guild, UserID: "100000000000000001", Admin: true}
	commands, deliveries := 0, 0
	for _, st := range steps {
		if err := sleepUntil(ctx, st.At); err != nil {
			return err
		}
		if st.Command != nil {
			fmt.Fprintf(out, "/%s %s\n", st.Command.Name, st.Command.Opts[0].Name)
			if err := sendInteraction(ctx, out, ds, admin.Command(discordsim.NewID(time.Now()), st.Command.Name, st.Command.Opts...)); err != nil {
				return err
			}
			commands++
			continue
		}
		status, err := ks.Send(ctx, st.Delivery)
		if err != nil {
			return err
		}
		if status/100 != 2 {
			return fmt.Errorf("a %s delivery was answered %d", st.Delivery.Type, status)
		}
		deliveries++
	}
	fmt.Fprintf(out, "sent %d slash commands and %d deliveries from %s to %s\n", commands, deliveries, stamp(start), url)
	return nil
}

// sleepUntil waits until t, or until ctx ends; tests replace it.
var sleepUntil = func(ctx context.Context, t time.Time) error {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// runnerKey is the key file the local runner listening on url's port
// wrote: LOCAL_DIR/<port>/file.
func runnerKey(url, file string) (string, error) {
	u, err := neturl.Parse(url)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("-url %q is not a URL", url)
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	return filepath.Join(kicksim.KeyDir(envOr("LOCAL_DIR", ".local"), net.JoinHostPort(u.Hostname(), port)), file), nil
}

// show prints a guild's viewers, stream state and event log.
func show(ctx context.Context, out io.Writer, endpoint, table, guild string) error {
	if guild == "" || endpoint == "" {
		return errors.New("show needs -guild and -endpoint (or AWS_ENDPOINT_URL)")
	}
	client, err := dynamo.NewClient(ctx, endpoint)
	if err != nil {
		return err
	}
	st := dynamo.New(client, table)
	s, err := st.Stream(ctx, guild)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "stream: live=%v title=%q category=%q started=%s ended=%s\n",
		s.Live, s.Title, s.Category.Name, stamp(s.StartedAt), stamp(s.EndedAt))
	vs, err := st.Top(ctx, guild, dynamo.Watchtime, dynamo.MaxTop, "")
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "viewers credited (%d shown):\n", len(vs.Viewers))
	for _, a := range vs.Viewers {
		v, err := st.Viewer(ctx, guild, a.UserID)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "  %-12s %-10d last active %s  %4d min  %4d points\n",
			v.Username, v.UserID, stamp(v.LastChatAt), v.WatchMinutes, v.Points())
	}
	for _, board := range []dynamo.Board{dynamo.Watchtime, dynamo.Points} {
		page, err := st.Top(ctx, guild, board, 5, "")
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "top %s:", board)
		for i, v := range page.Viewers {
			fmt.Fprintf(out, "  %d. %s (%d min, %d pts)", i+1, v.Username, v.WatchMinutes, v.Points())
		}
		fmt.Fprintln(out)
	}
	evs, err := st.Events(ctx, guild, 100)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "event log (%d, newest first):\n", len(evs))
	for _, e := range evs {
		who, _ := e.Actor()
		if e.Ban != nil {
			who = e.Ban.Target
		}
		fmt.Fprintf(out, "  %s %-36s %s\n", stamp(e.OccurredAt()), e.Type, who.Username)
	}
	return nil
}

// commandOptions reads "SUB OPTION:VALUE ..." for the command name into
// options typed as the bot registers them, as Discord sends them:
// integers and numbers as JSON numbers, booleans as booleans, and ids
// (users, roles, channels, mentionables) and text as strings, since a
// JSON number cannot hold a snowflake's 64 bits. A first word without a
// colon is a subcommand. An option the command does not declare goes as
// a string.
func commandOptions(name string, words []string) ([]discordsim.Option, error) {
	var declared []*discordgo.ApplicationCommandOption
	for _, c := range discord.ApplicationCommands(interact.Commands) {
		if c.Name == name {
			declared = c.Options
		}
	}
	sub := ""
	if len(words) > 0 && !strings.Contains(words[0], ":") {
		sub, words = words[0], words[1:]
		var subOpts []*discordgo.ApplicationCommandOption
		for _, o := range declared {
			if o.Name == sub && o.Type == discordgo.ApplicationCommandOptionSubCommand {
				subOpts = o.Options
			}
		}
		declared = subOpts
	}
	var opts []discordsim.Option
	for _, w := range words {
		k, value, ok := strings.Cut(w, ":")
		if !ok {
			return nil, fmt.Errorf("%q is not OPTION:VALUE", w)
		}
		typ := discordgo.ApplicationCommandOptionString
		for _, o := range declared {
			if o.Name == k {
				typ = o.Type
			}
		}
		o := discordsim.Option{Name: k, Type: int(typ), Value: value}
		switch typ {
		case discordgo.ApplicationCommandOptionInteger:
			n, err := strconv.ParseInt(value, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("option %s takes a whole number, not %q", k, value)
			}
			o.Value = n
		case discordgo.ApplicationCommandOptionNumber:
			f, err := strconv.ParseFloat(value, 64)
			if err != nil {
				return nil, fmt.Errorf("option %s takes a number, not %q", k, value)
			}
			o.Value = f
		case discordgo.ApplicationCommandOptionBoolean:
			b, err := strconv.ParseBool(value)
			if err != nil {
				return nil, fmt.Errorf("option %s takes true or false, not %q", k, value)
			}
			o.Value = b
		}
		opts = append(opts, o)
	}
	if sub != "" {
		return []discordsim.Option{discordsim.Sub(sub, opts...)}, nil
	}
	return opts, nil
}

// sendInteraction sends one interaction and prints the answer; an answer
// other than 2xx is an error.
func sendInteraction(ctx context.Context, out io.Writer, s *discordsim.Sender, body []byte) error {
	status, resp, err := s.Send(ctx, body)
	if err != nil {
		return err
	}
	var pretty bytes.Buffer
	if json.Indent(&pretty, resp, "", "  ") != nil {
		pretty.Reset()
		pretty.Write(resp)
	}
	fmt.Fprintf(out, "HTTP %d\n%s\n", status, pretty.String())
	if bytes.Contains(resp, []byte(`"type":5`)) {
		fmt.Fprintln(out, "deferred: the worker answers it; the runner logs what the fake Discord receives")
	}
	if status/100 != 2 {
		return fmt.Errorf("the interaction was rejected: HTTP %d", status)
	}
	return nil
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
