// Package money reads and writes amounts of money as chat and slash
// commands type them ("$1,234.50", "1.5k"), kept as whole cents so that
// no arithmetic on them rounds.
package money

import (
	"strconv"
	"strings"

	"github.com/kickbot/kickbot/shared/fault"
)

// Cents is an amount in hundredths of the currency unit.
type Cents int64

// Max is the largest amount Parse accepts: 1,000,000,000.00.
const Max Cents = 1_000_000_000_00

// Parse reads an amount: an optional "$", digits with optional ","
// thousands separators, an optional decimal point with at most two
// decimals, and an optional "k" (thousand) or "m" (million) suffix in any
// case: "1.5k" is 1,500.00. Zero is accepted; negative amounts, amounts
// over Max and anything else are fault.Invalid.
func Parse(s string) (Cents, error) {
	in := s
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "$")
	mult := int64(1)
	switch {
	case strings.HasSuffix(s, "k"), strings.HasSuffix(s, "K"):
		mult, s = 1_000, s[:len(s)-1]
	case strings.HasSuffix(s, "m"), strings.HasSuffix(s, "M"):
		mult, s = 1_000_000, s[:len(s)-1]
	}
	whole, frac, hasPoint := strings.Cut(s, ".")
	if !validWhole(whole) || hasPoint && (len(frac) == 0 || len(frac) > 2 || !digits(frac)) {
		return 0, fault.E(fault.Invalid, "%q is not an amount: write it like 1234.50, $1,234.50 or 1.5k", truncate(in))
	}
	whole = strings.ReplaceAll(whole, ",", "")
	for len(frac) < 2 {
		frac += "0"
	}
	if len(whole) > 13 { // beyond Max whatever the suffix; keeps ParseInt in range
		return 0, tooBig()
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, tooBig()
	}
	f, _ := strconv.ParseInt(frac, 10, 64) // two digits: cannot fail
	// Compared before the suffix multiplies it: 13 digits of millions
	// overflow an int64.
	base := w*100 + f
	if base > int64(Max)/mult {
		return 0, tooBig()
	}
	return Cents(base * mult), nil
}

func tooBig() error {
	return fault.E(fault.Invalid, "that amount is over the limit of %s", Max)
}

// validWhole reports whether s is digits, optionally grouped in threes by
// commas ("1,234,567"), with at least one digit.
func validWhole(s string) bool {
	if s == "" {
		return false
	}
	if !strings.Contains(s, ",") {
		return digits(s)
	}
	groups := strings.Split(s, ",")
	if len(groups[0]) < 1 || len(groups[0]) > 3 || !digits(groups[0]) {
		return false
	}
	for _, g := range groups[1:] {
		if len(g) != 3 || !digits(g) {
			return false
		}
	}
	return true
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func truncate(s string) string {
	if len(s) > 32 {
		return s[:32] + "…"
	}
	return s
}

// String writes c as "$1,234.50" ("-$3.00" below zero).
func (c Cents) String() string {
	sign := ""
	v := int64(c)
	if v < 0 {
		sign, v = "-", -v
	}
	whole := strconv.FormatInt(v/100, 10)
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return sign + "$" + b.String() + "." + strconv.FormatInt(v%100/10, 10) + strconv.FormatInt(v%10, 10)
}
