package metric

// The metrics the functions record, in one list so that the dashboard and
// the alarms can be checked against it. A comment names the dimensions
// each adds to the function's own, and who records it.
const (
	// DeliveriesAccepted counts Kick webhook deliveries answered 200
	// (duplicates included). Package kick.
	DeliveriesAccepted = "DeliveriesAccepted"
	// DeliveriesRejected counts deliveries refused or failed, by Reason.
	// Package kick.
	DeliveriesRejected = "DeliveriesRejected"
	// DeliveriesDuplicate counts deliveries already handled. Package ingest.
	DeliveriesDuplicate = "DeliveriesDuplicate"
	// DeliveryLagCreated is from the event's created_at to receipt, and
	// DeliveryLagSigned from the signed timestamp to receipt, in
	// milliseconds. Package kick.
	DeliveryLagCreated = "DeliveryLagCreated"
	DeliveryLagSigned  = "DeliveryLagSigned"
	// ViewerMinutesCredited counts the viewer-minutes credited. Package sweep.
	ViewerMinutesCredited = "ViewerMinutesCredited"
	// CreditsBehind is, per guild and sweep, how many minutes before the
	// one due its crediting started: 0 while the sweep keeps up, more
	// after runs that failed or were cut short. Package sweep.
	CreditsBehind = "CreditsBehind"
	// SweepDuration is one sweep run, in milliseconds, and SweepGuilds the
	// guilds it went through. Function sweep.
	SweepDuration = "SweepDuration"
	SweepGuilds   = "SweepGuilds"
	// JobsRetried counts jobs left for SQS to deliver again, and
	// JobsDeadLettered those whose receive count has reached the queue's
	// maxReceiveCount, so that SQS moves them to the dead-letter queue
	// rather than deliver them again. Package jobqueue.
	JobsRetried      = "JobsRetried"
	JobsDeadLettered = "JobsDeadLettered"
	// ChatRepliesSent counts chat replies posted, and ChatRepliesDropped
	// those not sent because their rate Window was full. Package chat.
	ChatRepliesSent    = "ChatRepliesSent"
	ChatRepliesDropped = "ChatRepliesDropped"
	// DiscordAPICalls and KickAPICalls count HTTP calls by Status class
	// (2xx, 4xx, 429, 5xx, or error when no answer came). Packages
	// discord and kickapi.
	DiscordAPICalls = "DiscordAPICalls"
	KickAPICalls    = "KickAPICalls"
	// ConnectionsNeedingReauth counts Kick connections whose login Kick
	// refused, so that the streamer must connect again. Package upkeep.
	ConnectionsNeedingReauth = "ConnectionsNeedingReauth"
)

// Names lists every metric above.
var Names = []string{
	DeliveriesAccepted, DeliveriesRejected, DeliveriesDuplicate, DeliveryLagCreated, DeliveryLagSigned,
	ViewerMinutesCredited, CreditsBehind, SweepDuration, SweepGuilds, JobsRetried, JobsDeadLettered,
	ChatRepliesSent, ChatRepliesDropped, DiscordAPICalls, KickAPICalls, ConnectionsNeedingReauth,
}
