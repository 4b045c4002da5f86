// Package access declares what each Lambda function may do with the table
// and the jobs queue: the DynamoDB actions, the partition-key prefixes
// (IAM's dynamodb:LeadingKeys), the indexes it queries and its queue
// actions. It is the one list that template.yaml's roles are checked
// against (TestTemplateIAM, on the SAM-transformed template) and that the
// functions' tests run their stores under (dynamotest.Restrict), so a code
// path that needs more than its function's grant fails a test before it
// fails in AWS.
//
// The point of the prefixes is the Kick logins: items under
// dynamo.LoginPrefix hold streamers' access and refresh tokens, and only
// the functions that call Kick with them (worker, upkeep, oauth) are
// granted that prefix. The public webhook and interactions functions are
// not, so a flaw in either cannot read or change a token.
package access

import (
	"slices"
	"strings"

	"github.com/kickbot/kickbot/shared/aws/dynamo"
)

// DynamoDB actions. A TransactWriteItems call is authorised item by item
// as PutItem, UpdateItem, DeleteItem (IAM has no action of its own for
// it), so these are all the item actions the Store makes.
const (
	GetItem      = "dynamodb:GetItem"
	BatchGetItem = "dynamodb:BatchGetItem"
	PutItem      = "dynamodb:PutItem"
	UpdateItem   = "dynamodb:UpdateItem"
	DeleteItem   = "dynamodb:DeleteItem"
	Query        = "dynamodb:Query"
	SendMessage  = "sqs:SendMessage"
)

// The table's indexes, as template.yaml names them.
const (
	ByName      = "byName"
	Live        = "live"
	Connections = "connections"
)

// Queues' logical ids in template.yaml.
const (
	JobsQueue             = "JobsQueue"
	ScheduledFailureQueue = "ScheduledFailureQueue"
)

// poll is what Lambda's SQS event source does with the worker's role.
var poll = []string{"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility", "sqs:GetQueueAttributes"}

// Grant is what one function may do.
type Grant struct {
	// Actions are the DynamoDB item actions on the table; Query among them
	// also covers the indexes in Indexes.
	Actions []string
	// Prefixes are the partition-key prefixes every table action is
	// limited to (an IAM ForAllValues:StringLike dynamodb:LeadingKeys
	// condition of prefix + "*").
	Prefixes []string
	// Indexes are the indexes it queries. They project keys only, and no
	// login item carries an index key, so an index reveals no token.
	Indexes []string
	// Queues maps each queue's logical id in template.yaml to the
	// function's actions on it: sending jobs, Lambda's polling of the
	// jobs queue for the worker, and the failure destination of the
	// scheduled functions.
	Queues map[string][]string
}

// Item reports whether g allows action on an item whose partition key
// is pk.
func (g Grant) Item(action, pk string) bool {
	return slices.Contains(g.Actions, action) &&
		slices.ContainsFunc(g.Prefixes, func(p string) bool { return strings.HasPrefix(pk, p) })
}

// Index reports whether g allows querying index.
func (g Grant) Index(index string) bool {
	return slices.Contains(g.Actions, Query) && slices.Contains(g.Indexes, index)
}

// Partition-key prefixes (dynamo.go's key table).
const (
	kick          = "KICK#"          // connections, chat rate windows and claims
	guild         = "GUILD#"         // a guild's items and its viewers' shards
	delivery      = "DELIVERY#"      // webhook delivery markers
	unprocessable = "UNPROCESSABLE#" // deliveries kept for inspection
	activity      = "ACT#"           // viewers' activity, sharded
	nonce         = "NONCE#"         // OAuth consent nonces
	command       = "CMD#"           // custom command uses and cooldowns
	cooldown      = "COOLDOWN#"      // per-viewer command cooldowns
	use           = "USE#"           // command use markers
	giveawayEntry = "GIVEAWAY#"      // giveaway entries, sharded
	gtbGuess      = "GTB#"           // guess-the-bonus guesses, sharded
	calls         = "CALLS#"         // slot calls, sharded
	raffle        = "RAFFLE#"        // raffle tickets, ledgers and tables
	clips         = "CLIPS#"         // clip markers, one partition per stream
	announced     = "ANNOUNCED#"     // announcement marks, one per post
	follows       = "FOLLOWS#"       // a guild's follow batch
	followDue     = "FOLLOWDUE#"     // follow batches due, by minute
	liveChat      = "LIVECHAT#"      // a stream's chatters, sharded
)

// Prefixes lists every partition-key prefix of the table.
var Prefixes = []string{kick, guild, delivery, unprocessable, activity, nonce, command, cooldown, use,
	giveawayEntry, gtbGuess, calls, raffle, clips, announced, follows, followDue, liveChat, dynamo.LoginPrefix}

// community is what the bot's features keep per guild: everything but
// the webhook's own markers, the OAuth nonces and the logins.
var community = []string{kick, guild, activity, command, cooldown, use, giveawayEntry, gtbGuess, calls, raffle, clips,
	announced, follows, followDue, liveChat}

// Functions maps each function's logical id in template.yaml to its grant.
var Functions = map[string]Grant{
	// Verify, dedupe, record activity and giveaway entries, queue work.
	"WebhookFunction": {
		Actions:  []string{GetItem, PutItem, UpdateItem, Query},
		Prefixes: []string{kick, guild, delivery, unprocessable, activity, giveawayEntry},
		Queues:   map[string][]string{JobsQueue: {SendMessage}},
	},
	// Slash commands and buttons; /kick status and disconnect, which use
	// the login, are queued for the worker. DeleteItem: /unlink, /roles
	// remove, custom commands (links change in transactions).
	// BatchGetItem: custom command names.
	"InteractionsFunction": {
		Actions:  []string{GetItem, BatchGetItem, PutItem, UpdateItem, DeleteItem, Query},
		Prefixes: community,
		Indexes:  []string{ByName},
		Queues:   map[string][]string{JobsQueue: {SendMessage}},
	},
	// Jobs: chat replies and Kick calls with the login, role sync,
	// draws. BatchGetItem: the role sync's linked viewers, cooldowns.
	"WorkerFunction": {
		Actions:  []string{GetItem, BatchGetItem, PutItem, UpdateItem, DeleteItem, Query},
		Prefixes: append(slices.Clone(community), dynamo.LoginPrefix),
		Indexes:  []string{ByName},
		Queues:   map[string][]string{JobsQueue: poll},
	},
	// Credits minutes and points of the live guilds and turns watchtime
	// into raffle tickets (a transaction that puts a ledger entry);
	// queues per-guild jobs and the follow batches due; keeps each
	// stream's chatters for its recap.
	"SweepFunction": {
		Actions:  []string{GetItem, BatchGetItem, PutItem, UpdateItem, Query},
		Prefixes: []string{guild, activity, raffle, followDue, liveChat},
		Indexes:  []string{Live},
		Queues:   map[string][]string{JobsQueue: {SendMessage}, ScheduledFailureQueue: {SendMessage}},
	},
	// Consent: claims the nonce, stores the login, the connection or the
	// account link.
	"OauthFunction": {
		Actions:  []string{GetItem, PutItem, UpdateItem, DeleteItem, Query},
		Prefixes: []string{kick, guild, nonce, dynamo.LoginPrefix},
	},
	// Live-status reconcile, role-sync fan-out, login renewal and
	// subscription repair. BatchGetItem: the reconcile's stream states.
	"UpkeepFunction": {
		Actions:  []string{GetItem, BatchGetItem, PutItem, UpdateItem, DeleteItem, Query},
		Prefixes: []string{kick, guild, dynamo.LoginPrefix},
		Indexes:  []string{Live, Connections},
		Queues:   map[string][]string{JobsQueue: {SendMessage}, ScheduledFailureQueue: {SendMessage}},
	},
}
