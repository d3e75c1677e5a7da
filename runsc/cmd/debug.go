package cmd

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/google/subcommands"

	"github.com/moat-dev/moat/runsc/config"
	"github.com/moat-dev/moat/seccomp"
	"github.com/moat-dev/moat/seccomp/bpf"
)

// Debug implements `runsc debug`: information for developers and
// auditors about how the sandbox is confined.
type Debug struct {
	conf    *config.Config
	seccomp bool
	disasm  bool
}

// NewDebug returns the debug command, using the global configuration
// conf (--platform selects the sentry filter's variant).
func NewDebug(conf *config.Config) *Debug { return &Debug{conf: conf} }

// Name implements subcommands.Command.
func (*Debug) Name() string { return "debug" }

// Synopsis implements subcommands.Command.
func (*Debug) Synopsis() string { return "print how the sandbox is confined (--seccomp)" }

// Usage implements subcommands.Command.
func (*Debug) Usage() string {
	return `debug --seccomp [--disasm]

Prints the host seccomp allow-lists of the sentry (for --platform) and of
the gofer: each allowed system call with its argument checks, the number
of system calls and the size of the BPF program. Any other call kills the
process. --disasm also prints the BPF programs.
`
}

// SetFlags implements subcommands.Command.
func (d *Debug) SetFlags(f *flag.FlagSet) {
	f.BoolVar(&d.seccomp, "seccomp", false, "print the host seccomp filters of the sentry and the gofer")
	f.BoolVar(&d.disasm, "disasm", false, "with --seccomp, also print the BPF programs")
}

// Execute implements subcommands.Command.
func (d *Debug) Execute(_ context.Context, f *flag.FlagSet, _ ...any) subcommands.ExitStatus {
	if f.NArg() != 0 {
		return Usagef("debug: unexpected arguments %q", f.Args())
	}
	if !d.seccomp {
		return Usagef("debug: nothing to print; use --seccomp")
	}
	platform := config.DefaultPlatform
	if d.conf != nil && d.conf.Platform != "" {
		platform = d.conf.Platform
	}
	filters := []struct {
		title string
		rules bpf.SyscallRules
	}{
		{fmt.Sprintf("sentry (--platform=%s)", platform), seccomp.SentryRules(seccomp.SentryOptions{Platform: platform})},
		{"gofer", seccomp.GoferRules(seccomp.GoferOptions{})},
		{"gofer --readonly", seccomp.GoferRules(seccomp.GoferOptions{ReadOnly: true})},
	}
	for i, fl := range filters {
		if i > 0 {
			fmt.Println()
		}
		if err := printFilter(os.Stdout, fl.title, fl.rules, d.disasm); err != nil {
			return Failf(d.conf, "debug: %s filter: %v", fl.title, err)
		}
	}
	fmt.Println()
	fmt.Println("Any other system call, any other architecture and x32 calls kill the process (SECCOMP_RET_KILL_PROCESS).")
	return subcommands.ExitSuccess
}

func syscallName(nr uint32) string { return seccomp.SyscallName(nr) }

// ruleText prints a syscall's rules; several rules that each check one
// argument against a value are printed as one set.
func ruleText(rs []bpf.Rule) []string {
	arg, vals := -1, []string{}
	for _, r := range rs {
		n := 0
		for i, m := range r {
			if m == nil {
				continue
			}
			n++
			s := m.String()
			if len(s) < 3 || s[:3] != "== " || (arg >= 0 && arg != i) {
				n = 99
				break
			}
			arg = i
			vals = append(vals, s[3:])
		}
		if n != 1 {
			arg = -1
			break
		}
	}
	if arg >= 0 && len(vals) > 1 {
		return []string{fmt.Sprintf("arg%d in {%s}", arg, strings.Join(vals, ", "))}
	}
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.String()
	}
	return out
}

// printFilter prints one allow-list and its program's size.
func printFilter(w io.Writer, title string, rules bpf.SyscallRules, disasm bool) error {
	prog, err := bpf.Allowlist(rules).Compile()
	if err != nil {
		return err
	}
	nrs := rules.Syscalls()
	fmt.Fprintf(w, "%s: %d syscalls, %d BPF instructions\n", title, len(nrs), len(prog))
	for _, nr := range nrs {
		name := fmt.Sprintf("%s (%d)", syscallName(nr), nr)
		rs := rules[nr]
		if len(rs) == 0 {
			fmt.Fprintf(w, "  %s\n", name)
			continue
		}
		for i, r := range ruleText(rs) {
			if i == 0 {
				fmt.Fprintf(w, "  %-26s if %s\n", name, r)
			} else {
				fmt.Fprintf(w, "  %-26s or %s\n", "", r)
			}
		}
	}
	if disasm {
		fmt.Fprintln(w)
		fmt.Fprint(w, bpf.Disassemble(prog, bpf.DisasmOptions{SyscallName: func(nr uint32) string {
			if name := syscallName(nr); !strings.HasPrefix(name, "syscall_") {
				return name
			}
			return ""
		}}))
	}
	return nil
}
