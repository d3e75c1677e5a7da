// Command runsc is Moat's OCI runtime. It runs containers on the sentry, a
// user-space kernel, with files served by a gofer. See docs and DESIGN.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/google/subcommands"

	"github.com/moat-dev/moat/runsc/cmd"
	"github.com/moat-dev/moat/runsc/config"
	"github.com/moat-dev/moat/runsc/logging"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	conf := config.Default()
	top := flag.CommandLine
	top.Init("runsc", flag.ContinueOnError)
	conf.RegisterFlags(top)
	showVersion := top.Bool("version", false, "print the version and exit")
	top.BoolVar(&cmd.SystemdCgroup, "systemd-cgroup", false, "cgroupsPath is in systemd's slice:prefix:name form")

	known := map[string]bool{}
	register := func(c subcommands.Command, group string) {
		subcommands.Register(c, group)
		known[c.Name()] = true
	}
	register(subcommands.HelpCommand(), "")
	register(subcommands.FlagsCommand(), "")
	register(subcommands.CommandsCommand(), "")
	register(&cmd.Version{Version: version}, "")
	register(cmd.NewDo(conf), "")
	for _, c := range []subcommands.Command{
		cmd.NewCreate(conf), cmd.NewStart(conf), cmd.NewRun(conf), cmd.NewState(conf),
		cmd.NewKill(conf), cmd.NewDelete(conf), cmd.NewExec(conf), cmd.NewWait(conf),
		cmd.NewPs(conf), cmd.NewList(conf), cmd.NewPause(conf), cmd.NewResume(conf),
		cmd.NewEvents(conf), cmd.NewUpdate(conf), cmd.NewSpec(conf), &cmd.Features{},
	} {
		register(c, "oci")
	}
	register(cmd.NewInstall(conf), "")
	register(cmd.NewUninstall(conf), "")
	register(cmd.NewWaitExec(conf), "internal")
	register(cmd.NewDebug(conf), "")
	register(cmd.NewBoot(conf), "internal")
	register(cmd.NewGofer(conf), "internal")

	// Parse quietly and report errors our way: "runsc: ...", status 2.
	top.SetOutput(io.Discard)
	err := top.Parse(args)
	top.SetOutput(os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		top.Usage()
		return 0
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "runsc: %v\nRun 'runsc help' for usage.\n", err)
		return 2
	}
	if *showVersion {
		fmt.Println(cmd.VersionString(version))
		return 0
	}
	if top.NArg() > 0 && !known[top.Arg(0)] {
		fmt.Fprintf(os.Stderr, "runsc: unknown subcommand %q\nRun 'runsc help' for usage.\n", top.Arg(0))
		return 2
	}
	if err := conf.Validate(); err != nil {
		fmt.Fprintf(os.Stderr, "runsc: %v\n", err)
		return 2
	}
	closeLogs, err := logging.Setup(conf, top.Arg(0))
	if err != nil {
		fmt.Fprintf(os.Stderr, "runsc: %v\n", err)
		return 1
	}
	defer closeLogs()
	return int(subcommands.Execute(context.Background()))
}
