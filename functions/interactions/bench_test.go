package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kickbot/kickbot/scripts/discordsim"
	"github.com/kickbot/kickbot/shared/aws/dynamo"
	"github.com/kickbot/kickbot/shared/aws/dynamo/dynamotest"
	"github.com/kickbot/kickbot/shared/discord"
	"github.com/kickbot/kickbot/shared/interact"
	"github.com/kickbot/kickbot/shared/watchtime"
)

// BenchmarkCommandsOnEmulator times each command's worst case through the
// real handler and the DynamoDB adapter on the embedded emulator, for a
// guild of n viewers with distinct points: /rank of the viewer in last
// place (it counts everyone ahead), the first leaderboard page, and
// /points show. /rank runs as the worker runs it, since the endpoint
// defers it; the others through the endpoint, signature and all. It
// reports the DynamoDB reads per command.
//
//	go test -run '^$' -bench CommandsOnEmulator -benchtime 20x -timeout 30m ./functions/interactions
func BenchmarkCommandsOnEmulator(b *testing.B) {
	for _, n := range []int{1_000, 5_000} {
		b.Run(fmt.Sprintf("viewers=%d", n), func(b *testing.B) {
			ctx := context.Background()
			counter := &dynamotest.Counter{API: dynamotest.Table(b, "kickbot")}
			store := dynamo.New(counter, "kickbot")
			if err := store.Connect(ctx, guild, broadcaster, start); err != nil {
				b.Fatal(err)
			}
			// Viewer i has watched a minute and earned i/5 points.
			for i := 1; i <= n; i++ {
				id := int64(i)
				if _, err := store.Credit(ctx, guild, watchtime.Credit{UserID: id, Username: "viewer" + strconv.Itoa(i), Minute: watchtime.Minute(i), PointsMilli: int64(i) * 200}); err != nil {
					b.Fatal(err)
				}
			}
			if err := store.BuildBoards(ctx, guild, start); err != nil { // as the sweep does every few minutes
				b.Fatal(err)
			}
			pub, priv, err := ed25519.GenerateKey(rand.Reader)
			if err != nil {
				b.Fatal(err)
			}
			now := start.Add(time.Hour)
			h := handler(&interact.Handler{Store: store}, &queue{}, pub, nil, func() time.Time { return now })
			commands := &interact.Handler{Store: store}
			var ids discordsim.IDs

			b.Run("rank-last", func(b *testing.B) {
				counter.Reads.Store(0)
				for b.Loop() {
					resp, err := commands.Handle(ctx, interact.Request{ID: ids.Next(), Guild: guild, UserID: "5",
						Command: "rank", Options: map[string]string{"user": "viewer1", "board": "points"}, At: now})
					if err != nil || !strings.Contains(resp.Embeds[0].Description, "#"+thousands(n)) {
						b.Fatalf("rank: %v %+v, want last place", err, resp)
					}
				}
				b.ReportMetric(float64(counter.Reads.Load())/float64(b.N), "reads/op")
			})
			for _, c := range []struct {
				name string
				body func() []byte
			}{
				{"leaderboard", func() []byte { return member.Command(ids.Next(), "leaderboard", discordsim.String("board", "points")) }},
				{"points-show", func() []byte {
					return member.Command(ids.Next(), "points", discordsim.Sub("show", discordsim.String("user", "viewer1")))
				}},
			} {
				b.Run(c.name, func(b *testing.B) {
					counter.Reads.Store(0)
					for b.Loop() {
						body := c.body()
						out, err := h(ctx, apiEvent(body, discord.SignedHeaders(priv, now, body)))
						if err != nil || out.StatusCode != http.StatusOK || strings.Contains(out.Body, `"flags":64`) {
							b.Fatalf("%s: %v %d %s", c.name, err, out.StatusCode, out.Body)
						}
					}
					b.ReportMetric(float64(counter.Reads.Load())/float64(b.N), "reads/op")
				})
			}
		})
	}
}

// thousands formats n as the commands do: 1,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
