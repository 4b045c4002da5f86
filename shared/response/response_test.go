package response_test

import (
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/kickbot/kickbot/shared/reply"
	"github.com/kickbot/kickbot/shared/response"
	"github.com/kickbot/kickbot/shared/wording"
)

var t0 = time.Date(2026, 3, 1, 20, 0, 0, 0, time.UTC)

// data is a full Data with a random source that always picks the last
// option, so that picks differ from Rand's nil default.
func data() response.Data {
	return response.Data{
		User: "ann", Args: "@bob slots are fun", Channel: "pixelpanda", Count: 1234,
		Sender: response.Stats{Points: 31877, WatchMinutes: 125, Rank: 3},
		Target: response.Stats{Points: 5, WatchMinutes: 0, Rank: 0},
		Live:   true, StartedAt: t0.Add(-83 * time.Minute), Title: "Bonus hunt!", Category: "Slots & Casino",
		Now:  t0,
		Rand: func(n int64) int64 { return n - 1 },
	}
}

func withVars(v map[string]string) response.Data {
	d := data()
	d.Vars = v
	return d
}

func TestRender(t *testing.T) {
	noArgs := data()
	noArgs.Args = ""
	offline := data()
	offline.Live = false
	noRand := data()
	noRand.Rand = nil
	viewer := data()
	viewer.Args = "{points} {user} {random:a|b} {args}"
	tests := []struct {
		name string
		text string
		d    response.Data
		want string
	}{
		{"no variables", "hello chat", data(), "hello chat"},
		{"user", "hi {user}", data(), "hi ann"},
		{"touser from the first argument", "hug {touser}", data(), "hug bob"},
		{"touser falls back to the sender", "hug {touser}", noArgs, "hug ann"},
		{"args", "you said: {args}", data(), "you said: @bob slots are fun"},
		{"numbered arguments", "{2}-{3}-{1}", data(), "slots-are-@bob"},
		{"missing argument is empty", "[{9}]", data(), "[]"},
		{"count", "used {count} times", data(), "used 1,234 times"},
		{"random", "{random:heads|tails}", data(), "tails"},
		{"random without a source", "{random:heads|tails}", noRand, "heads"},
		{"random of one", "{random:only}", data(), "only"},
		{"randnum", "{randnum:1-100}", data(), "100"},
		{"randnum without a source", "{randnum:1-100}", noRand, "1"},
		{"randnum of one number", "{randnum:7-7}", data(), "7"},
		{"randnum backwards stays visible", "{randnum:9-1}", data(), "{randnum:9-1}"},
		{"randnum malformed stays visible", "{randnum:x}", data(), "{randnum:x}"},
		{"randnum too large stays visible", "{randnum:1-99999999999999999999}", data(), "{randnum:1-99999999999999999999}"},
		{"points", "{points}", data(), "31,877"},
		{"watchtime", "{watchtime}", data(), "2h 5m"},
		{"rank", "#{rank}", data(), "#3"},
		{"points of touser", "{touser} has {points:touser}", data(), "bob has 5"},
		{"watchtime of touser", "{watchtime:touser}", data(), "0m"},
		{"rank of touser when unranked", "{rank:touser}", data(), response.Unranked},
		{"uptime", "live for {uptime}", data(), "live for 1h 23m"},
		{"uptime offline", "{uptime}", offline, response.Offline},
		{"title", "{title}", data(), "Bonus hunt!"},
		{"category", "{category}", data(), "Slots & Casino"},
		{"channel", "kick.com/{channel}", data(), "kick.com/pixelpanda"},
		{"any case", "{USER} {Points}", data(), "ann 31,877"},
		{"unknown stays visible", "{nope} {points:nobody} {random}", data(), "{nope} {points:nobody} {random}"},
		{"unclosed brace", "{user", data(), "{user"},
		{"empty braces", "{}{user}", data(), "{}ann"},
		{"double brace", "{{user}}", data(), "{ann}"},
		{"viewer text is not scanned again", "{args}", viewer, "{points} {user} {random:a|b} {args}"},
		{"touser text is not scanned again", "{touser}", func() response.Data { d := data(); d.Args = "{user}"; return d }(), "{user}"},
		{"command result is prefixed", "!ban {user}", data(), response.Prefix + "!ban ann"},
		{"slash result is prefixed", "{args}", func() response.Data { d := data(); d.Args = "/clear"; return d }(), response.Prefix + "/clear"},
		{"leading space before a command", "  {args}", func() response.Data { d := data(); d.Args = "!points"; return d }(), response.Prefix + "!points"},
		{"title cannot start a command", "{title}", func() response.Data { d := data(); d.Title = "!raid"; return d }(), response.Prefix + "!raid"},
		{"vars", "{months} months, {Amount}", withVars(map[string]string{"months": "3", "amount": "100"}), "3 months, 100"},
		{"vars win over built-ins", "{count} subs", withVars(map[string]string{"count": "5"}), "5 subs"},
		{"var text is not scanned again", "{input}", withVars(map[string]string{"input": "{points}"}), "{points}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := response.Render(tt.text, tt.d); got != tt.want {
				t.Errorf("Render(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

// TestRenderInjection is the issue's case: a viewer types "!say {points}"
// for a command whose response is "{args}", and sees it literally.
func TestRenderInjection(t *testing.T) {
	d := data()
	d.Args = "{points}"
	if got := response.Render("{args}", d); got != "{points}" {
		t.Errorf("Render({args}) with args {points} = %q, want %q", got, "{points}")
	}
}

func TestRenderFits(t *testing.T) {
	d := data()
	d.Args = strings.Repeat("x", 400)
	got := response.Render("{args} {args}", d)
	if n := utf8.RuneCountInString(got); n != reply.MaxLen {
		t.Errorf("Render of 801 characters has %d characters, want %d", n, reply.MaxLen)
	}
	if !strings.HasSuffix(got, reply.Ellipsis) {
		t.Errorf("Render of 801 characters = …%q, want it to end with %q", got[len(got)-10:], reply.Ellipsis)
	}
}

func TestNeeds(t *testing.T) {
	tests := []struct {
		text string
		want response.Kinds
	}{
		{"hi {user}, {touser}: {args} {1} {random:a|b} {randnum:1-2}", 0},
		{"kick.com/{channel}", response.Channel},
		{"{count}", response.Count},
		{"{points} and {watchtime}", response.SenderStats},
		{"{rank}", response.SenderRank},
		{"{points:touser} {watchtime:TOUSER}", response.TargetStats},
		{"{rank:touser}", response.TargetRank},
		{"{uptime}", response.Stream},
		{"{title} {category}", response.Stream},
		{"{count} {Points} {rank:touser} {title}", response.Count | response.SenderStats | response.TargetRank | response.Stream},
		{"{points {nope} points}", 0},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			if got := response.Needs(tt.text); got != tt.want {
				t.Errorf("Needs(%q) = %b, want %b", tt.text, got, tt.want)
			}
		})
	}
	if k := response.Count | response.Stream; !k.Has(response.Stream) || k.Has(response.SenderStats) {
		t.Errorf("Kinds(%b).Has is wrong", k)
	}
}

func TestToUser(t *testing.T) {
	tests := []struct{ user, args, want string }{
		{"ann", "", "ann"},
		{"ann", "  ", "ann"},
		{"ann", "@bob hi", "bob"},
		{"ann", "bob", "bob"},
		{"ann", "@@bob", "bob"},
		{"ann", "@", "ann"},
	}
	for _, tt := range tests {
		if got := response.ToUser(tt.user, tt.args); got != tt.want {
			t.Errorf("ToUser(%q, %q) = %q, want %q", tt.user, tt.args, got, tt.want)
		}
	}
}

// FuzzRender checks Render for any template and arguments: it never
// panics, the result fits one chat message, never starts a command, and
// the arguments are never scanned for variables.
func FuzzRender(f *testing.F) {
	f.Add("{user} has {points} points", "@bob")
	f.Add("{args}", "{points} {user}")
	f.Add("{random:a|b|}{randnum:0-0}{1}{9}", "!x")
	f.Add("{{}}{", "/me")
	f.Fuzz(func(t *testing.T, text, args string) {
		d := data()
		d.User = "\x01USER\x01"
		d.Args = args
		got := response.Render(text, d)
		if n := utf8.RuneCountInString(got); n > reply.MaxLen {
			t.Fatalf("Render(%q) has %d characters, want at most %d", text, n, reply.MaxLen)
		}
		if strings.HasPrefix(got, "!") || strings.HasPrefix(got, "/") {
			t.Fatalf("Render(%q) = %q starts a command", text, got)
		}
		// {args} alone: the sender's name can only appear if the
		// arguments were scanned for {user}.
		if got := response.Render("{args}", d); strings.Contains(got, d.User) && !strings.Contains(args, d.User) {
			t.Fatalf("Render({args}) with args %q = %q: the arguments were scanned", args, got)
		}
	})
}

func ExampleRender() {
	text := "{user} has {points} points, rank {rank}. {random:GL|Good luck}!"
	fmt.Printf("%08b\n", response.Needs(text))
	fmt.Println(response.Render(text, response.Data{
		User:   "pixelpanda",
		Sender: response.Stats{Points: 31877, Rank: 3},
		Rand:   func(n int64) int64 { return 1 },
	}))
	// Output:
	// 00000110
	// pixelpanda has 31,877 points, rank 3. Good luck!
}

// BenchmarkRender renders a typical template, and a strings.Replacer with
// the same substitutions, built per use as the values change per use, as
// the floor, in the same run. Both format the numbers and fit the result.
func BenchmarkRender(b *testing.B) {
	const text = "@{user} -> {touser}: {points} points, {watchtime} watched, rank {rank}. Uses: {count}. {random:GL|Good luck|Have fun}"
	d := data()
	b.Run("Render", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			response.Render(text, d)
		}
	})
	b.Run("Replacer", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			r := strings.NewReplacer("{user}", d.User, "{touser}", response.ToUser(d.User, d.Args),
				"{points}", wording.Thousands(d.Sender.Points), "{watchtime}", wording.Minutes(d.Sender.WatchMinutes),
				"{rank}", wording.Thousands(d.Sender.Rank), "{count}", wording.Thousands(d.Count),
				"{random:GL|Good luck|Have fun}", "Have fun")
			reply.Fit(r.Replace(text))
		}
	})
}

// TestRenderVars: further variables fill in by lower-case name, over the
// built-in ones, and their values are not read again.
func TestRenderVars(t *testing.T) {
	d := response.Data{User: "alice", Vars: map[string]string{"months": "3", "user": "mallory", "amount": "{user}"}}
	tests := []struct{ text, want string }{
		{"{user} for {Months} months", "mallory for 3 months"},
		{"{amount}", "{user}"},
		{"{reward}", "{reward}"},
	}
	for _, tc := range tests {
		if got := response.Render(tc.text, d); got != tc.want {
			t.Errorf("Render(%q) = %q, want %q", tc.text, got, tc.want)
		}
	}
}
