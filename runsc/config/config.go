// Package config holds the runtime's global configuration, set from the
// command line and passed to the internal subcommands when runsc re-execs.
package config

import (
	"flag"
	"fmt"
	"strconv"
)

// Config is the set of global flags.
type Config struct {
	Root      string // state directory
	Debug     bool
	DebugLog  string
	Log       string
	LogFormat string // text or json
	Platform  string // ptrace or systrap
	Strace    bool
	// Overlay is the rootfs overlay: "memory" (writes go to an in-memory
	// upper layer; the default) or "none" (writes go through the gofer).
	Overlay string
}

// Defaults of the global flags.
const (
	DefaultRoot      = "/var/run/runsc"
	DefaultLogFormat = "text"
	DefaultPlatform  = "systrap"
	DefaultOverlay   = "memory"
)

// LogFormats and Platforms are the accepted values of --log-format and
// --platform.
var (
	LogFormats = []string{"text", "json"}
	Platforms  = []string{"ptrace", "systrap"}
	Overlays   = []string{"memory", "none"}
)

// Default returns the configuration with every flag at its default.
func Default() *Config {
	return &Config{Root: DefaultRoot, LogFormat: DefaultLogFormat, Platform: DefaultPlatform, Overlay: DefaultOverlay}
}

// RegisterFlags defines the global flags on fs, storing into c. The
// defaults are those of Default.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Root, "root", DefaultRoot, "directory holding the state of containers")
	fs.BoolVar(&c.Debug, "debug", false, "log at debug level")
	fs.StringVar(&c.DebugLog, "debug-log", "", "also write debug logs to `PATH`; %COMMAND% and %PID% in it are replaced by the subcommand and process ID")
	fs.StringVar(&c.Log, "log", "", "write logs to `PATH` instead of stderr")
	fs.StringVar(&c.LogFormat, "log-format", DefaultLogFormat, "log format: text or json")
	fs.StringVar(&c.Platform, "platform", DefaultPlatform, "how the sentry runs application code: ptrace or systrap")
	fs.BoolVar(&c.Strace, "strace", false, "log every system call the application makes")
	fs.StringVar(&c.Overlay, "overlay", DefaultOverlay, "rootfs overlay: memory (writes stay in the sandbox's memory) or none (writes reach the host through the gofer)")
}

func oneOf(v string, valid []string) bool {
	for _, s := range valid {
		if v == s {
			return true
		}
	}
	return false
}

// Validate checks the values of c.
func (c *Config) Validate() error {
	if !oneOf(c.LogFormat, LogFormats) {
		return fmt.Errorf("invalid --log-format %q: must be text or json", c.LogFormat)
	}
	if !oneOf(c.Platform, Platforms) {
		return fmt.Errorf("invalid --platform %q: must be ptrace or systrap", c.Platform)
	}
	if !oneOf(c.Overlay, Overlays) {
		return fmt.Errorf("invalid --overlay %q: must be memory or none", c.Overlay)
	}
	if c.Root == "" {
		return fmt.Errorf("invalid --root: must not be empty")
	}
	return nil
}

// ToFlags returns the global flags that reproduce c, for re-exec'ing
// runsc in another role: placed before the subcommand, they make the child
// parse the same Config.
func (c *Config) ToFlags() []string {
	return []string{
		"--root=" + c.Root,
		"--debug=" + strconv.FormatBool(c.Debug),
		"--debug-log=" + c.DebugLog,
		"--log=" + c.Log,
		"--log-format=" + c.LogFormat,
		"--platform=" + c.Platform,
		"--strace=" + strconv.FormatBool(c.Strace),
		"--overlay=" + c.Overlay,
	}
}
