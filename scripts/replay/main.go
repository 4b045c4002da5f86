// Command replay sends Kick webhook deliveries to a URL, signed like Kick
// signs them: the fixture files, or a scripted stream with many viewers.
// With "show" it prints what the bot stored for a guild; with "command"
// and "click" it plays a Discord member, signed like Discord signs.
//
//	replay fixtures  [-dir testdata/kick]
//	replay scenario  [-viewers 20] [-minutes 10] [-duplicates 5] [-seed 1] [-stay-live]
//	replay show      -guild G [-endpoint URL] [-table NAME]
//	replay command   -guild G [-user ID] [-admin] NAME [SUB] [OPTION:VALUE ...]
//	replay click     -guild G [-user ID] CUSTOM_ID
//
// Common flags: -url (default http://127.0.0.1:8080/webhooks/kick, or
// …/interactions for command and click) and -key (the private key the
// local runner wrote: .local/kick-private.pem, or .local/discord-private.key).
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
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kickbot/kickbot/scripts/discordsim"
	"github.com/kickbot/kickbot/scripts/kicksim"
	"github.com/kickbot/kickbot/shared/dynamo"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "replay:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: replay fixtures|scenario|show [flags]")
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	discordMode := args[0] == "command" || args[0] == "click"
	defURL, defKey := "http://127.0.0.1:8080/webhooks/kick", ".local/kick-private.pem"
	if discordMode {
		defURL, defKey = "http://127.0.0.1:8080/interactions", ".local/discord-private.key"
	}
	url := fs.String("url", defURL, "webhook or interactions URL")
	keyPath := fs.String("key", defKey, "private key to sign with")
	user := fs.String("user", "100000000000000001", "Discord user id of the member (command, click)")
	admin := fs.Bool("admin", false, "the member has Manage Server (command, click)")
	dir := fs.String("dir", "testdata/kick", "fixtures directory")
	sc := kicksim.Scenario{}
	fs.Int64Var(&sc.Broadcaster, "broadcaster", 4402117, "Kick broadcaster user id")
	fs.IntVar(&sc.Viewers, "viewers", 20, "distinct chatters")
	fs.IntVar(&sc.Minutes, "minutes", 10, "stream length in minutes (ends now)")
	fs.IntVar(&sc.Duplicates, "duplicates", 5, "deliveries to send twice")
	fs.Uint64Var(&sc.Seed, "seed", 1, "seed of the chat pattern")
	fs.BoolVar(&sc.StayLive, "stay-live", false, "leave the stream live, so the sweep keeps crediting")
	guild := fs.String("guild", "", "guild to show")
	endpoint := fs.String("endpoint", os.Getenv("AWS_ENDPOINT_URL"), "DynamoDB endpoint for show (the runner prints it)")
	table := fs.String("table", envOr("TABLE_NAME", "kickbot-local"), "table name for show")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}

	switch {
	case args[0] == "show":
		return show(ctx, out, *endpoint, *table, *guild)
	case discordMode:
		if *guild == "" || fs.NArg() == 0 {
			return fmt.Errorf("%s needs -guild and a command or custom id", args[0])
		}
		key, err := discordsim.ReadPrivateKey(*keyPath)
		if err != nil {
			return fmt.Errorf("%w (start the local runner first, or pass -key)", err)
		}
		c := discordsim.Caller{Guild: *guild, UserID: *user, Admin: *admin}
		id := discordsim.NewID(time.Now())
		body := c.Click(id, fs.Arg(0))
		if args[0] == "command" {
			body = c.Command(id, fs.Arg(0), commandOptions(fs.Args()[1:])...)
		}
		return interact(ctx, out, &discordsim.Sender{URL: *url, Key: key}, body)
	}
	key, err := kicksim.ReadPrivateKey(*keyPath)
	if err != nil {
		return fmt.Errorf("%w (start the local runner first, or pass -key)", err)
	}
	var ds []kicksim.Delivery
	switch args[0] {
	case "fixtures":
		ds, err = kicksim.Fixtures(*dir, time.Now().UTC())
	case "scenario":
		sc.Start = time.Now().UTC().Add(-time.Duration(sc.Minutes) * time.Minute)
		ds = sc.Deliveries()
	default:
		err = fmt.Errorf("unknown mode %q", args[0])
	}
	if err != nil {
		return err
	}
	s := &kicksim.Sender{URL: *url, Key: key}
	counts := map[string]int{}
	for _, d := range ds {
		status, err := s.Send(ctx, d)
		if err != nil {
			return err
		}
		counts[fmt.Sprintf("%s %d", d.Type, status)]++
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	fmt.Fprintf(out, "sent %d deliveries to %s\n", len(ds), *url)
	for _, k := range keys {
		fmt.Fprintf(out, "  %-45s x%d\n", k, counts[k])
	}
	return nil
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

// commandOptions reads "SUB OPTION:VALUE ..." into options: a first word
// without a colon is a subcommand; values that are whole numbers or
// true/false are sent as integers and booleans, as Discord would.
func commandOptions(words []string) []discordsim.Option {
	var opts []discordsim.Option
	for _, w := range words {
		name, value, ok := strings.Cut(w, ":")
		if !ok {
			continue
		}
		o := discordsim.String(name, value)
		if n, err := strconv.ParseInt(value, 10, 64); err == nil {
			o = discordsim.Int(name, n)
		} else if b, err := strconv.ParseBool(value); err == nil && (value == "true" || value == "false") {
			o = discordsim.Bool(name, b)
		}
		opts = append(opts, o)
	}
	if len(words) > 0 && !strings.Contains(words[0], ":") {
		return []discordsim.Option{discordsim.Sub(words[0], opts...)}
	}
	return opts
}

// interact sends one interaction and prints the answer.
func interact(ctx context.Context, out io.Writer, s *discordsim.Sender, body []byte) error {
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
