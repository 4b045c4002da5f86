package points_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/points"
)

var at = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func valid() points.Change {
	return points.Change{Cause: "1380000000000000001", Op: points.Add, Milli: points.FromWhole(5), Reason: "giveaway", By: "42", At: at}
}

func TestChangeValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*points.Change)
		want   string // the message; "" for valid
	}{
		{"valid", func(*points.Change) {}, ""},
		{"remove", func(c *points.Change) { c.Op = points.Remove }, ""},
		{"fraction", func(c *points.Change) { c.Milli = 1 }, ""},
		{"most", func(c *points.Change) { c.Milli = points.MaxMilli }, ""},
		{"set zero", func(c *points.Change) { c.Op, c.Milli = points.Set, 0 }, ""},
		{"no reason", func(c *points.Change) { c.Reason = "" }, ""},
		{"longest reason", func(c *points.Change) { c.Reason = strings.Repeat("é", 200) }, ""},
		{"longest cause", func(c *points.Change) { c.Cause = strings.Repeat("9", 64) }, ""},
		{"dotted cause", func(c *points.Change) { c.Cause = "raffle.7[0]#x" }, ""},

		{"no cause", func(c *points.Change) { c.Cause = "" }, "cause must be 1 to 64 visible ASCII characters"},
		{"long cause", func(c *points.Change) { c.Cause = strings.Repeat("9", 65) }, "cause must be 1 to 64 visible ASCII characters"},
		{"spaced cause", func(c *points.Change) { c.Cause = "a b" }, "cause must be 1 to 64 visible ASCII characters"},
		{"non-ASCII cause", func(c *points.Change) { c.Cause = "é" }, "cause must be 1 to 64 visible ASCII characters"},
		{"no op", func(c *points.Change) { c.Op = "" }, `unknown points operation ""`},
		{"unknown op", func(c *points.Change) { c.Op = "double" }, `unknown points operation "double"`},
		{"add zero", func(c *points.Change) { c.Milli = 0 }, "amount must be between 1 and 1000000000 points"},
		{"remove zero", func(c *points.Change) { c.Op, c.Milli = points.Remove, 0 }, "amount must be between 1 and 1000000000 points"},
		{"negative", func(c *points.Change) { c.Milli = -1 }, "amount must be between 1 and 1000000000 points"},
		{"too much", func(c *points.Change) { c.Milli = points.MaxMilli + 1 }, "amount must be between 1 and 1000000000 points"},
		{"set negative", func(c *points.Change) { c.Op, c.Milli = points.Set, -1 }, "amount must be between 0 and 1000000000 points"},
		{"set too much", func(c *points.Change) { c.Op, c.Milli = points.Set, points.MaxMilli+1 }, "amount must be between 0 and 1000000000 points"},
		{"long reason", func(c *points.Change) { c.Reason = strings.Repeat("é", 201) }, "reason must be at most 200 characters"},
		{"broken reason", func(c *points.Change) { c.Reason = "\xff" }, "reason is not valid text"},
		{"no admin", func(c *points.Change) { c.By = "" }, "change must name the admin who made it"},
		{"long admin", func(c *points.Change) { c.By = strings.Repeat("1", 65) }, "change must name the admin who made it"},
		{"no time", func(c *points.Change) { c.At = time.Time{} }, "change has no time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid()
			tt.change(&c)
			err := c.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if !fault.Is(err, fault.Invalid) || fault.Message(err) != tt.want {
				t.Errorf("Validate() = %v (kind %v), want invalid %q", err, fault.KindOf(err), tt.want)
			}
		})
	}
}

func TestChangeAfter(t *testing.T) {
	tests := []struct {
		op     points.Op
		milli  int64
		before int64
		want   int64
	}{
		{points.Add, 5000, 0, 5000},
		{points.Add, 1, 2500, 2501},
		{points.Remove, 2000, 2500, 500},
		{points.Remove, 2500, 2500, 0},
		{points.Set, 7000, 2500, 7000},
		{points.Set, 0, 2500, 0},
	}
	for _, tt := range tests {
		c := points.Change{Op: tt.op, Milli: tt.milli}
		if got := c.After(tt.before); got != tt.want {
			t.Errorf("%s %d: After(%d) = %d, want %d", tt.op, tt.milli, tt.before, got, tt.want)
		}
	}
}

func ExampleChange_Validate() {
	grant := points.Change{
		Cause:  "1380000000000000001", // the Discord interaction id
		Op:     points.Add,
		Milli:  points.FromWhole(50),
		Reason: "won the giveaway",
		By:     "42",
		At:     time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC),
	}
	fmt.Println(grant.Validate())
	fmt.Println(points.Whole(grant.After(points.FromWhole(20))))

	grant.Milli = 0
	fmt.Println(fault.Message(grant.Validate()))
	// Output:
	// <nil>
	// 70
	// amount must be between 1 and 1000000000 points
}
