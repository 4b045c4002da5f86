package money_test

import (
	"fmt"
	"testing"

	"github.com/kickbot/kickbot/shared/fault"
	"github.com/kickbot/kickbot/shared/money"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want money.Cents
	}{
		{"1234", 123400},
		{"1234.5", 123450},
		{"1234.56", 123456},
		{"$1,234.56", 123456},
		{" 12,345,678 ", 1234567800},
		{"1.5k", 150000},
		{"1.5K", 150000},
		{"2m", 200000000},
		{"$0.01", 1},
		{"0", 0},
		{"1,000,000,000", money.Max},
		{"1000000k", money.Max},
		{"1000m", money.Max},
	}
	for _, tt := range tests {
		got, err := money.Parse(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Parse(%q) = %d, %v, want %d", tt.in, got, err, tt.want)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	for _, in := range []string{
		"", "$", "k", "-5", "1.234", "1.", ".5", "1,23", "12,3456", ",123", "1,,234", "1e5", "abc",
		"1000000000.01", "1,000,001k", "1001m", "100000000000m", "9999999999999k", "99999999999999999999", "1.5kk", "$$5", "5 000", "١٢٣",
	} {
		if got, err := money.Parse(in); !fault.Is(err, fault.Invalid) {
			t.Errorf("Parse(%q) = %d, %v, want an invalid-input error", in, got, err)
		}
	}
}

func TestString(t *testing.T) {
	tests := []struct {
		in   money.Cents
		want string
	}{
		{0, "$0.00"}, {5, "$0.05"}, {123456, "$1,234.56"}, {100000000000, "$1,000,000,000.00"}, {-300, "-$3.00"}, {99999, "$999.99"},
	}
	for _, tt := range tests {
		if got := tt.in.String(); got != tt.want {
			t.Errorf("Cents(%d).String() = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"1234.56", "$1,234.56", "1.5k", "2m", "0", "-1", "1,23", "1e9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := money.Parse(s)
		if err != nil {
			if !fault.Is(err, fault.Invalid) {
				t.Fatalf("Parse(%q) error %v is not invalid input", s, err)
			}
			return
		}
		if c < 0 || c > money.Max {
			t.Fatalf("Parse(%q) = %d, out of range", s, c)
		}
		// What String writes, Parse reads back.
		if back, err := money.Parse(c.String()); err != nil || back != c {
			t.Fatalf("Parse(%q) = %d; Parse(%q) = %d, %v", s, c, c.String(), back, err)
		}
	})
}

func Example() {
	c, err := money.Parse("$1.5k")
	fmt.Println(c, err)
	_, err = money.Parse("1.234")
	fmt.Println(err != nil)
	// Output:
	// $1,500.00 <nil>
	// true
}
