package interact

import (
	"context"
	"strings"
	"testing"

	"github.com/kickbot/kickbot/shared/fault"
)

// TestEveryAdminCommandRefusesMembers runs every admin-only command as a
// member without Manage Server, on a Handler with no store at all: each is
// refused as Forbidden before it reads or writes anything (a command that
// reached its store would panic on the nil one).
func TestEveryAdminCommandRefusesMembers(t *testing.T) {
	h := &Handler{}
	for path := range adminOnly {
		if _, ok := commands[path]; !ok {
			continue // a command group: its subcommands are in the list
		}
		t.Run(path, func(t *testing.T) {
			command, sub, _ := strings.Cut(path, " ")
			r := Request{ID: "1482453932679757825", Guild: "1234", UserID: "5", Command: command, Sub: sub}
			_, err := h.Handle(context.Background(), r)
			if !fault.Is(err, fault.Forbidden) {
				t.Errorf("Handle(/%s by a member) = %v, want a Forbidden error", path, err)
			}
		})
	}
}
