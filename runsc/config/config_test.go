package config

import (
	"flag"
	"io"
	"reflect"
	"testing"
)

func parse(t *testing.T, args ...string) (*Config, error) {
	t.Helper()
	fs := flag.NewFlagSet("runsc", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c := &Config{}
	c.RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	return c, nil
}

func TestDefaults(t *testing.T) {
	c, err := parse(t)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c, Default()) {
		t.Errorf("parsed defaults %+v != Default() %+v", c, Default())
	}
	if err := c.Validate(); err != nil {
		t.Errorf("defaults invalid: %v", err)
	}
}

func TestToFlagsRoundTrip(t *testing.T) {
	want := &Config{Root: "/tmp/r oot", Debug: true, DebugLog: "/tmp/%COMMAND%.log", Log: "/tmp/log",
		LogFormat: "json", Platform: "ptrace", Strace: true}
	got, err := parse(t, want.ToFlags()...)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip: got %+v, want %+v", got, want)
	}
	got, err = parse(t, Default().ToFlags()...)
	if err != nil || !reflect.DeepEqual(got, Default()) {
		t.Errorf("round trip of defaults: got %+v, %v", got, err)
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		mod   func(*Config)
		valid bool
	}{
		{func(c *Config) {}, true},
		{func(c *Config) { c.LogFormat = "json" }, true},
		{func(c *Config) { c.LogFormat = "xml" }, false},
		{func(c *Config) { c.LogFormat = "" }, false},
		{func(c *Config) { c.Platform = "kvm" }, false},
		{func(c *Config) { c.Platform = "systrap" }, true},
		{func(c *Config) { c.Root = "" }, false},
	} {
		c := Default()
		tc.mod(c)
		if err := c.Validate(); (err == nil) != tc.valid {
			t.Errorf("Validate(%+v) = %v, want valid=%v", c, err, tc.valid)
		}
	}
}
