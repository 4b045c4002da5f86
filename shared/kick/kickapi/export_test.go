package kickapi

// SetOnWait makes c call f each time a caller starts waiting for a token
// request that another caller started.
func SetOnWait(c *Client, f func()) { c.onWait = f }
