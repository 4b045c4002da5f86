package kick_test

import (
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"time"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/kick"
)

func ExampleVerifier_Verify() {
	// In production the Verifier trusts Kick's key: kick.NewVerifier().
	// Here a local key plays Kick, as in the replayer.
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	v := kick.NewVerifier(&priv.PublicKey)

	body := []byte(`{"broadcaster":{"user_id":4402117,"username":"northwind"},"follower":{"user_id":73310954,"username":"mossyrock"}}`)
	sent := time.Date(2026, 3, 14, 19, 2, 11, 0, time.UTC)
	h, err := kick.SignedHeaders(priv, "01JQ7ZC4M2T8Y1B5N0P6R3K9VD", "channel.followed", sent, body)
	if err != nil {
		panic(err)
	}

	d, err := v.Verify(h, body, sent.Add(2*time.Second))
	if err != nil {
		panic(err)
	}
	ev, err := kick.Parse(d, body)
	if err != nil {
		panic(err)
	}
	fmt.Println(ev.Type, ev.Broadcaster, ev.Follow.Follower.Username)

	// A replay three days later is refused before any RSA work.
	_, err = v.Verify(h, body, sent.Add(72*time.Hour))
	fmt.Println(fault.KindOf(err), err)
	// Output:
	// channel.followed 4402117 mossyrock
	// forbidden stale timestamp
}

func ExampleParse() {
	d := kick.Delivery{
		MessageID: "01JQ7ZC4M2T8Y1B5N0P6R3K9VD",
		Type:      "moderation.banned",
		Timestamp: time.Date(2026, 3, 14, 19, 25, 1, 0, time.UTC),
	}
	body := []byte(`{
		"broadcaster": {"user_id": 4402117, "username": "northwind"},
		"moderator": {"user_id": 39017266, "username": "ironkettle"},
		"banned_user": {"user_id": 91552300, "username": "linkdrop99"},
		"metadata": {"reason": "spam links", "created_at": "2026-03-14T19:25:00Z", "expires_at": null}
	}`)
	ev, err := kick.Parse(d, body)
	if err != nil {
		panic(err)
	}
	fmt.Println(ev.Ban.Target.Username, ev.Ban.Reason, ev.Ban.Permanent())
	// Output: linkdrop99 spam links true
}
