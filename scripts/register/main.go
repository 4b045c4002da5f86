// Command register registers the bot's slash commands with Discord from
// the declarative list in package interact, replacing whatever the
// application had (Discord's bulk overwrite, so running it twice changes
// nothing).
//
//	DISCORD_APPLICATION_ID=… DISCORD_BOT_TOKEN=… go run ./scripts/register [-guild ID] [-list]
//
// Without -guild the commands are global; with it they are registered in
// that guild only, where they take effect at once (use it while
// developing). -list prints the commands instead of registering them.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/kickbot/kickbot/shared/discord"
	"github.com/kickbot/kickbot/shared/interact"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "register:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string, out io.Writer) error {
	fs := flag.NewFlagSet("register", flag.ContinueOnError)
	guild := fs.String("guild", "", "register in this guild only (takes effect at once) instead of globally")
	list := fs.Bool("list", false, "print the commands as JSON instead of registering them")
	apiURL := fs.String("api-url", getenv("DISCORD_API_URL"), "Discord API origin; empty for Discord itself, or a local fake")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cmds := discord.ApplicationCommands(interact.Commands)
	if *list {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(cmds)
	}
	app, token := getenv("DISCORD_APPLICATION_ID"), getenv("DISCORD_BOT_TOKEN")
	if app == "" || token == "" {
		return errors.New("set DISCORD_APPLICATION_ID and DISCORD_BOT_TOKEN")
	}
	rest, err := discord.NewREST(token, app, *apiURL)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := rest.RegisterCommands(ctx, *guild, cmds); err != nil {
		return err
	}
	where := "globally (Discord may take up to an hour to show changes)"
	if *guild != "" {
		where = "in guild " + *guild
	}
	fmt.Fprintf(out, "registered %d commands %s\n", len(cmds), where)
	return nil
}
