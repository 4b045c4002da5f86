package gtb_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/kickbot/kickbot/shared/chat"
	"github.com/kickbot/kickbot/shared/event"
	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/gtb"
	"github.com/kickbot/kickbot/shared/money"
)

var t0 = time.Date(2025, 6, 1, 20, 0, 0, 0, time.UTC)

func sec(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }

func guess(user int64, name string, amount money.Cents, s int, msg string) gtb.Guess {
	return gtb.Guess{UserID: user, Username: name, Amount: amount, At: sec(s), MessageID: msg}
}

func TestParseGuess(t *testing.T) {
	tests := []struct {
		in   string
		want money.Cents
		msg  string // the refusal says this, when set
	}{
		{"1234.50", 1234_50, ""},
		{"$1,234.50", 1234_50, ""},
		{"1.5k", 1500_00, ""},
		{" 2m ", 2_000_000_00, ""},
		{"1000000000", 1_000_000_000_00, ""},
		{"0.01", 1, ""},
		{"0", 0, "more than $0.00"},
		{"$0.00", 0, "more than $0.00"},
		{"-5", 0, "not an amount"},
		{"1000000000.01", 0, "over the limit"},
		{"1.5b", 0, "not an amount"},
		{"1.234", 0, "not an amount"},
		{"", 0, "!gtb <amount>"},
		{"100 200", 0, "!gtb <amount>"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := gtb.ParseGuess(tt.in)
			if tt.msg == "" {
				if err != nil || got != tt.want {
					t.Errorf("ParseGuess(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
				}
				return
			}
			if !fault.Is(err, fault.Invalid) || !strings.Contains(fault.Message(err), tt.msg) {
				t.Errorf("ParseGuess(%q) = %v, %v; want Invalid saying %q", tt.in, got, err, tt.msg)
			}
		})
	}
}

func TestWinners(t *testing.T) {
	const result = 1240_00
	tests := []struct {
		name    string
		guesses []gtb.Guess
		n       int
		want    []string // "place user amount off"
	}{
		{"closest first", []gtb.Guess{
			guess(1, "a", 1000_00, 1, "m1"), guess(2, "b", 1234_00, 2, "m2"),
			guess(3, "c", 1300_00, 3, "m3"), guess(4, "d", 2000_00, 4, "m4"),
		}, 3, []string{"1 b $1,234.00 $6.00", "2 c $1,300.00 $60.00", "3 a $1,000.00 $240.00"}},
		{"a tie goes to the earlier guess", []gtb.Guess{
			guess(1, "late", 1250_00, 9, "m9"), guess(2, "early", 1230_00, 2, "m2"),
		}, 2, []string{"1 early $1,230.00 $10.00", "2 late $1,250.00 $10.00"}},
		{"same time: the smaller message id", []gtb.Guess{
			guess(1, "a", 1250_00, 5, "m7"), guess(2, "b", 1230_00, 5, "m6"),
		}, 1, []string{"1 b $1,230.00 $10.00"}},
		{"a replaced guess loses its old time", []gtb.Guess{
			// a guessed first, then again with the same amount as b.
			guess(1, "a", 1250_00, 1, "m1"), guess(2, "b", 1250_00, 5, "m5"),
			guess(1, "a", 1250_00, 8, "m8"),
		}, 2, []string{"1 b $1,250.00 $10.00", "2 a $1,250.00 $10.00"}},
		{"only the latest guess counts, even when farther", []gtb.Guess{
			guess(1, "a", 1240_00, 1, "m1"), guess(1, "a", 5000_00, 6, "m6"), guess(2, "b", 1300_00, 3, "m3"),
		}, 3, []string{"1 b $1,300.00 $60.00", "2 a $5,000.00 $3,760.00"}},
		{"the latest by order, not by slice position", []gtb.Guess{
			guess(1, "a", 5000_00, 6, "m6"), guess(1, "a", 1240_00, 1, "m1"),
		}, 1, []string{"1 a $5,000.00 $3,760.00"}},
		{"exact hit", []gtb.Guess{guess(1, "a", result, 1, "m1")}, 3, []string{"1 a $1,240.00 $0.00"}},
		{"fewer guesses than winners", nil, 3, nil},
		{"ten winners of twelve", func() []gtb.Guess {
			var gs []gtb.Guess
			for i := range 12 {
				gs = append(gs, guess(int64(i+1), string(rune('a'+i)), money.Cents(result+i*100), i, "m"+string(rune('a'+i))))
			}
			return gs
		}(), 10, []string{"1 a $1,240.00 $0.00", "2 b $1,241.00 $1.00", "3 c $1,242.00 $2.00", "4 d $1,243.00 $3.00",
			"5 e $1,244.00 $4.00", "6 f $1,245.00 $5.00", "7 g $1,246.00 $6.00", "8 h $1,247.00 $7.00",
			"9 i $1,248.00 $8.00", "10 j $1,249.00 $9.00"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, w := range gtb.Winners(tt.guesses, result, tt.n) {
				got = append(got, strings.Join([]string{itoa(w.Place), w.Username, w.Amount.String(), w.Off.String()}, " "))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Winners (-want +got):\n%s", diff)
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestTakes(t *testing.T) {
	open := gtb.Round{Number: 1, State: gtb.Open, OpenedAt: sec(10)}
	closed := open
	closed.State, closed.ClosedAt = gtb.Closed, sec(20)
	resulted := closed
	resulted.State = gtb.Resulted
	tests := []struct {
		name string
		r    gtb.Round
		at   int
		want bool
	}{
		{"open", open, 15, true},
		{"sent before it opened", open, 5, false},
		{"sent in the second it opened, dated to the second", gtb.Round{State: gtb.Open, OpenedAt: sec(10).Add(700 * time.Millisecond)}, 10, true},
		{"closed, sent while open", closed, 19, true},
		{"closed, sent at the close", closed, 20, false},
		{"closed, sent after", closed, 25, false},
		{"resulted", resulted, 15, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.r.Takes(sec(tt.at)); got != tt.want {
				t.Errorf("Takes(%d s) = %v, want %v", tt.at, got, tt.want)
			}
		})
	}
}

func TestAnnouncement(t *testing.T) {
	r := gtb.Round{Number: 3, State: gtb.Resulted, Result: 1240_00}
	r.Placed = gtb.Winners([]gtb.Guess{
		guess(1, "u", 1234_00, 1, "m1"), guess(2, "v", 1250_00, 2, "m2"),
		guess(3, "w", 1300_00, 3, "m3"), guess(4, "", 1000_00, 4, "m4"),
	}, r.Result, 4)
	want := "GTB #3 result: $1,240.00 🏆 🥇 u $1,234.00 ($6.00 off) | 🥈 v $1,250.00 ($10.00 off) | " +
		"🥉 w $1,300.00 ($60.00 off) | 4. user 4 $1,000.00 ($240.00 off)"
	if got := gtb.Announcement(r); got != want {
		t.Errorf("Announcement = %q, want %q", got, want)
	}
	if got, want := gtb.Announcement(gtb.Round{Number: 4, Result: 5}), "GTB #4 result: $0.05 — no guesses this round"; got != want {
		t.Errorf("Announcement of no guesses = %q, want %q", got, want)
	}

	// Ten winners with the longest names do not fit: the text ends with
	// "…" within one chat message, after whole entries.
	var long []gtb.Guess
	for i := range 10 {
		long = append(long, guess(int64(i+1), strings.Repeat(string(rune('a'+i)), 25), 999_999_999_00, i, "m"))
	}
	r.Placed = gtb.Winners(long, 1, 10)
	got := gtb.Announcement(r)
	if n := utf8.RuneCountInString(got); n > gtb.MaxAnnouncement || !strings.HasSuffix(got, " | …") {
		t.Errorf("Announcement of ten long entries = %q (%d characters), want at most %d ending in \" | …\"", got, n, gtb.MaxAnnouncement)
	}
	if !strings.Contains(got, strings.Repeat("e", 25)+" $999,999,999.00 ($999,999,998.99 off)") {
		t.Errorf("Announcement of ten long entries = %q, want the first five entries whole", got)
	}
}

func TestValidWinners(t *testing.T) {
	for n, ok := range map[int]bool{0: false, 1: true, 3: true, 10: true, 11: false, -1: false} {
		if err := gtb.ValidWinners(n); (err == nil) != ok {
			t.Errorf("ValidWinners(%d) = %v, want ok %v", n, err, ok)
		}
	}
}

// fakeStore keeps one round and its guesses as the rules say.
type fakeStore struct {
	round   *gtb.Round
	guesses map[int64]gtb.Guess
	err     error
}

func (f *fakeStore) GTBRound(ctx context.Context, guild string) (gtb.Round, error) {
	if f.err != nil {
		return gtb.Round{}, f.err
	}
	if f.round == nil {
		return gtb.Round{}, fault.E(fault.NotFound, "no round")
	}
	return *f.round, nil
}

func (f *fakeStore) PutGTBGuess(ctx context.Context, guild string, round int64, g gtb.Guess) (gtb.Outcome, gtb.Guess, error) {
	old, ok := f.guesses[g.UserID]
	switch {
	case !ok:
		f.guesses[g.UserID] = g
		return gtb.Added, gtb.Guess{}, nil
	case old.MessageID == g.MessageID && old.At.Equal(g.At):
		return gtb.Repeated, gtb.Guess{}, nil
	case !g.After(old):
		return gtb.Superseded, gtb.Guess{}, nil
	}
	f.guesses[g.UserID] = g
	return gtb.Replaced, old, nil
}

func TestChatAnswer(t *testing.T) {
	ctx := context.Background()
	open := &gtb.Round{Number: 3, State: gtb.Open, Winners: 3, OpenedAt: sec(0)}
	closed := &gtb.Round{Number: 3, State: gtb.Closed, Winners: 3, OpenedAt: sec(0), ClosedAt: sec(100)}
	ask := func(args string, s int, msg string) chat.Ask {
		return chat.Ask{Guild: "g", Asker: event.User{ID: 7, Username: "u"}, Name: "gtb", Args: args,
			MessageID: msg, Sent: sec(s), Now: sec(s + 1)}
	}
	steps := []struct {
		name  string
		round *gtb.Round
		ask   chat.Ask
		want  string
	}{
		{"no round ever", nil, ask("100", 1, "m0"), "@u no GTB round is open right now"},
		{"first guess", open, ask("$1,234", 10, "m1"), "@u your guess of $1,234.00 is in for GTB #3"},
		{"the same message again", open, ask("$1,234", 10, "m1"), "@u your guess of $1,234.00 is in for GTB #3"},
		{"a new guess replaces it", open, ask("1.5k", 20, "m2"), "@u your guess for GTB #3 is now $1,500.00 (was $1,234.00)"},
		{"an older message run late says nothing", open, ask("9", 15, "m9"), ""},
		{"zero", open, ask("0", 30, "m3"), "@u a guess must be more than $0.00"},
		{"too much", open, ask("2000000000", 30, "m4"), "@u that amount is over the limit of $1,000,000,000.00"},
		{"not an amount", open, ask("lots", 30, "m5"), `@u "lots" is not an amount: write it like 1234.50, $1,234.50 or 1.5k`},
		{"no amount", open, ask("", 30, "m6"), "@u guess with !gtb <amount>, like !gtb 1234.50 or !gtb 1.5k"},
		{"closed, sent while open", closed, ask("1600", 99, "m7"), "@u your guess for GTB #3 is now $1,600.00 (was $1,500.00)"},
		{"closed, sent after", closed, ask("1700", 101, "m8"), "@u GTB #3 is closed: no more guesses"},
		{"resulted", &gtb.Round{Number: 3, State: gtb.Resulted}, ask("1", 200, "m10"), "@u no GTB round is open right now"},
	}
	s := &fakeStore{guesses: map[int64]gtb.Guess{}}
	for _, st := range steps {
		s.round = st.round
		got, err := gtb.Chat{Store: s}.Answer(ctx, st.ask)
		if err != nil || got != st.want {
			t.Errorf("%s: Answer(%q) = %q, %v; want %q", st.name, st.ask.Args, got, err, st.want)
		}
	}
	if got := s.guesses[7]; got.Amount != 1600_00 || got.MessageID != "m7" {
		t.Errorf("stored guess = %+v, want $1,600.00 of m7", got)
	}

	s.err = fault.E(fault.Transient, "throttled")
	if _, err := (gtb.Chat{Store: s}).Answer(ctx, ask("5", 1, "m11")); !fault.Is(err, fault.Transient) {
		t.Errorf("Answer with a failing store = %v, want Transient", err)
	}
}
