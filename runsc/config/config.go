// Package config holds the runtime's global configuration, set from the
// command line and passed to the internal subcommands when runsc re-execs.
package config

// Config is the set of global flags.
type Config struct {
	Root      string // state directory
	Debug     bool
	DebugLog  string
	Log       string
	LogFormat string // text or json
	Platform  string // ptrace
	Strace    bool
}
