package cmd

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/google/subcommands"

	"github.com/moat-dev/moat/runsc/config"
	"github.com/moat-dev/moat/runsc/container"
)

// DefaultDaemonJSON is Docker's configuration file.
const DefaultDaemonJSON = "/etc/docker/daemon.json"

// Install implements `runsc install` and, with uninstall set,
// `runsc uninstall`: register runsc as a Docker runtime in daemon.json.
type Install struct {
	conf      *config.Config
	uninstall bool
	file      string
	runtime   string
	path      string
}

// NewInstall returns the install command.
func NewInstall(conf *config.Config) *Install { return &Install{conf: conf} }

// NewUninstall returns the uninstall command.
func NewUninstall(conf *config.Config) *Install { return &Install{conf: conf, uninstall: true} }

// Name implements subcommands.Command.
func (i *Install) Name() string {
	if i.uninstall {
		return "uninstall"
	}
	return "install"
}

// Synopsis implements subcommands.Command.
func (i *Install) Synopsis() string {
	if i.uninstall {
		return "remove runsc from Docker's runtimes (daemon.json)"
	}
	return "add runsc to Docker's runtimes (daemon.json)"
}

// Usage implements subcommands.Command.
func (i *Install) Usage() string {
	if i.uninstall {
		return `uninstall [--config-file FILE] [--runtime NAME]

Removes runtime NAME (default moat) from Docker's daemon.json, keeping
the rest. Restart dockerd afterwards.
`
	}
	return `install [--config-file FILE] [--runtime NAME] [--path RUNSC] [-- RUNTIME-ARGS...]

Adds runsc to Docker's daemon.json (default /etc/docker/daemon.json) as
runtime NAME (default moat), with RUNTIME-ARGS as its runtimeArgs,
keeping the file's other content. Restart dockerd afterwards; then
'docker run --runtime=NAME' uses it.
`
}

// SetFlags implements subcommands.Command.
func (i *Install) SetFlags(f *flag.FlagSet) {
	f.StringVar(&i.file, "config-file", DefaultDaemonJSON, "Docker's daemon.json `FILE`")
	f.StringVar(&i.runtime, "runtime", "moat", "runtime `NAME`")
	if !i.uninstall {
		f.StringVar(&i.path, "path", "", "path of the runsc binary to register (default: this one)")
	}
}

// Execute implements subcommands.Command.
func (i *Install) Execute(_ context.Context, f *flag.FlagSet, _ ...any) subcommands.ExitStatus {
	if i.uninstall && f.NArg() > 0 {
		return Usagef("uninstall: unexpected arguments %q", f.Args())
	}
	if i.runtime == "" {
		return Usagef("%s: --runtime must not be empty", i.Name())
	}
	cfg := map[string]any{}
	data, err := os.ReadFile(i.file)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if i.uninstall {
			return subcommands.ExitSuccess
		}
	case err != nil:
		return Failf(i.conf, "%s: %v", i.Name(), err)
	case len(data) > 0:
		if err := json.Unmarshal(data, &cfg); err != nil {
			return Failf(i.conf, "%s: %s is not valid JSON: %v", i.Name(), i.file, err)
		}
	}
	runtimes, _ := cfg["runtimes"].(map[string]any)
	if runtimes == nil {
		if _, ok := cfg["runtimes"]; ok && !i.uninstall {
			return Failf(i.conf, "%s: %s: \"runtimes\" is not an object", i.Name(), i.file)
		}
		runtimes = map[string]any{}
	}
	if i.uninstall {
		if _, ok := runtimes[i.runtime]; !ok {
			return subcommands.ExitSuccess
		}
		delete(runtimes, i.runtime)
		if len(runtimes) == 0 {
			delete(cfg, "runtimes")
		}
	} else {
		path := i.path
		if path == "" {
			if path, err = os.Executable(); err != nil {
				return Failf(i.conf, "install: finding runsc: %v", err)
			}
		}
		if path, err = filepath.Abs(path); err != nil {
			return Failf(i.conf, "install: %v", err)
		}
		rt := map[string]any{"path": path}
		if f.NArg() > 0 {
			rt["runtimeArgs"] = f.Args()
		}
		runtimes[i.runtime] = rt
		cfg["runtimes"] = runtimes
	}
	out, _ := json.MarshalIndent(cfg, "", "    ")
	if err := os.MkdirAll(filepath.Dir(i.file), 0o755); err != nil {
		return Failf(i.conf, "%s: %v", i.Name(), err)
	}
	if err := container.WriteFileAtomic(i.file, append(out, '\n'), 0o644); err != nil {
		return Failf(i.conf, "%s: %v", i.Name(), err)
	}
	fmt.Printf("%s: runtime %q in %s; restart dockerd to apply\n", i.Name(), i.runtime, i.file)
	return subcommands.ExitSuccess
}
