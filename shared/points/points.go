// Package points is the loyalty-points arithmetic. Balances are kept in
// thousandths of a point ("milli-points"), so the per-minute share of a
// rate such as "1 point per 5 minutes" (0.2) is an exact integer, and the
// fraction a viewer has earned carries over from minute to minute instead
// of being rounded away. Whole points are what people see and spend.
package points

import "github.com/kickbot/kickbot/shared/settings"

// Milli is one thousandth of a point.
const Milli = 1000

// PerMinute returns the milli-points one credited minute earns under s: the
// rate per five minutes divided by five, scaled by the subscriber
// multiplier when subscriber is true. With rates in whole points and the
// multiplier in percent the result is always a whole number of
// milli-points, so nothing is lost to rounding.
func PerMinute(s settings.Settings, subscriber bool) int64 {
	pct := int64(100)
	if subscriber {
		pct = s.SubMultiplierPct
	}
	// rate * 1000 / 5 * pct / 100, reordered to stay exact.
	return s.PointsPer5Min * pct * 2
}

// Whole returns the whole points in a milli-point balance; the fraction
// stays in the balance.
func Whole(milli int64) int64 { return milli / Milli }

// FromWhole converts whole points (an admin's grant) to milli-points.
func FromWhole(n int64) int64 { return n * Milli }
