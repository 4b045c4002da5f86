package discord

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/bwmarrin/discordgo"
)

// FuzzDecodeInteraction holds decodeInteraction equal to discordgo's own
// decoding: the same error or lack of one, and the same value. Seeds are
// the fixtures and testdata/fuzz/FuzzDecodeInteraction.
func FuzzDecodeInteraction(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "discord", "*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("fixtures: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		got, gotErr := decodeInteraction(body)
		var want discordgo.Interaction
		wantErr := want.UnmarshalJSON(body)
		if (gotErr == nil) != (wantErr == nil) {
			t.Fatalf("decodeInteraction error %v, discordgo's %v", gotErr, wantErr)
		}
		if wantErr == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("decodeInteraction =\n%#v\ndiscordgo decodes\n%#v", got, want)
		}
	})
}

func TestDecodeInteractionUsesTheFastPath(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "discord", "application_command.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := decodeFast(b); !ok {
		t.Error("the fast decoder refused a usual command; every request would pay for two decodes")
	}
}
