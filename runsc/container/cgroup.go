package container

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// CgroupRoot is where the cgroup hierarchies are mounted.
var CgroupRoot = "/sys/fs/cgroup"

// v1Controllers are the cgroup v1 hierarchies the sandbox joins.
var v1Controllers = []string{"cpu", "cpuacct", "cpuset", "memory", "pids", "freezer", "devices", "blkio"}

// IsCgroup2 reports whether the host uses the unified hierarchy.
func IsCgroup2() bool {
	_, err := os.Stat(filepath.Join(CgroupRoot, "cgroup.controllers"))
	return err == nil
}

// CgroupPath turns a spec's cgroupsPath into a path below each
// hierarchy's root, following runc: an absolute or relative cgroupfs
// path, or with systemd, "slice:prefix:name", which becomes
// /<expanded slice>/<prefix>-<name>.scope.
func CgroupPath(cgroupsPath, id string, systemd bool) (string, error) {
	if cgroupsPath == "" {
		return "", nil
	}
	if systemd || strings.Count(cgroupsPath, ":") == 2 && !strings.HasPrefix(cgroupsPath, "/") {
		parts := strings.Split(cgroupsPath, ":")
		if len(parts) != 3 {
			return "", fmt.Errorf("cgroupsPath %q is not of the form slice:prefix:name", cgroupsPath)
		}
		slice, prefix, name := parts[0], parts[1], parts[2]
		if slice == "" {
			slice = "system.slice"
		}
		dir, err := expandSlice(slice)
		if err != nil {
			return "", err
		}
		unit := name
		if !strings.HasSuffix(name, ".slice") {
			if prefix != "" {
				unit = prefix + "-" + name
			}
			unit += ".scope"
		}
		return filepath.Join(dir, unit), nil
	}
	p := filepath.Clean("/" + cgroupsPath)
	if strings.Contains(p, "..") {
		return "", fmt.Errorf("cgroupsPath %q: invalid", cgroupsPath)
	}
	return p, nil
}

// expandSlice turns "a-b-c.slice" into "/a.slice/a-b.slice/a-b-c.slice".
func expandSlice(slice string) (string, error) {
	if !strings.HasSuffix(slice, ".slice") || strings.Contains(slice, "/") {
		return "", fmt.Errorf("invalid systemd slice %q", slice)
	}
	name := strings.TrimSuffix(slice, ".slice")
	if name == "-" {
		return "/", nil
	}
	var path, prefix string
	for _, comp := range strings.Split(name, "-") {
		if comp == "" {
			return "", fmt.Errorf("invalid systemd slice %q", slice)
		}
		path += "/" + prefix + comp + ".slice"
		prefix += comp + "-"
	}
	return path, nil
}

// JoinCgroups makes the cgroup rel in every hierarchy, applies res and
// moves pids into it. It returns the directories it made (to remove at
// delete). A hierarchy that cannot be used is skipped with a warning.
func JoinCgroups(rel string, res *specs.LinuxResources, pids []int) ([]string, error) {
	if rel == "" {
		return nil, nil
	}
	var dirs []string
	if IsCgroup2() {
		dir := filepath.Join(CgroupRoot, rel)
		enableControllers(CgroupRoot, rel)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			slog.Warn("cgroup unavailable", "dir", dir, "err", err)
			return nil, nil
		}
		dirs = append(dirs, dir)
		if err := SetResources(dirs, res); err != nil {
			return dirs, err
		}
		return dirs, addProcs(dir, pids)
	}
	for _, ctrl := range v1Controllers {
		base := filepath.Join(CgroupRoot, ctrl)
		if _, err := os.Stat(base); err != nil {
			continue
		}
		dir := filepath.Join(base, rel)
		if err := mkdirCgroup(base, rel, ctrl == "cpuset"); err != nil {
			slog.Warn("cgroup unavailable", "dir", dir, "err", err)
			continue
		}
		dirs = append(dirs, dir)
	}
	if err := SetResources(dirs, res); err != nil {
		return dirs, err
	}
	for _, dir := range dirs {
		if err := addProcs(dir, pids); err != nil {
			return dirs, err
		}
	}
	return dirs, nil
}

// mkdirCgroup makes base/rel level by level; cpuset levels get their
// parent's cpus and mems, without which no task may join.
func mkdirCgroup(base, rel string, cpuset bool) error {
	cur := base
	for _, comp := range strings.Split(strings.Trim(rel, "/"), "/") {
		parent := cur
		cur = filepath.Join(cur, comp)
		if err := os.Mkdir(cur, 0o755); err != nil && !errors.Is(err, os.ErrExist) {
			return err
		}
		if cpuset {
			for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
				if b, err := os.ReadFile(filepath.Join(cur, f)); err == nil && strings.TrimSpace(string(b)) == "" {
					if pb, err := os.ReadFile(filepath.Join(parent, f)); err == nil {
						os.WriteFile(filepath.Join(cur, f), pb, 0)
					}
				}
			}
		}
	}
	return nil
}

// enableControllers turns on the controllers for rel's ancestors (v2).
func enableControllers(root, rel string) {
	b, err := os.ReadFile(filepath.Join(root, "cgroup.controllers"))
	if err != nil {
		return
	}
	var enable []string
	for _, c := range strings.Fields(string(b)) {
		enable = append(enable, "+"+c)
	}
	cur := root
	for _, comp := range strings.Split(strings.Trim(rel, "/"), "/") {
		os.WriteFile(filepath.Join(cur, "cgroup.subtree_control"), []byte(strings.Join(enable, " ")), 0)
		cur = filepath.Join(cur, comp)
		os.Mkdir(cur, 0o755)
	}
}

func addProcs(dir string, pids []int) error {
	for _, pid := range pids {
		if pid <= 0 {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, "cgroup.procs"), []byte(strconv.Itoa(pid)), 0); err != nil {
			return fmt.Errorf("joining cgroup %s: %w", dir, err)
		}
	}
	return nil
}

// SetResources writes res's limits into the cgroup directories dirs
// (as JoinCgroups made them).
func SetResources(dirs []string, res *specs.LinuxResources) error {
	if res == nil {
		return nil
	}
	v2 := IsCgroup2()
	type setting struct{ file, value string }
	var set []setting
	if m := res.Memory; m != nil {
		if m.Limit != nil {
			if v2 {
				set = append(set, setting{"memory.max", limitString(*m.Limit)})
			} else {
				set = append(set, setting{"memory.limit_in_bytes", strconv.FormatInt(*m.Limit, 10)})
			}
		}
		if m.Reservation != nil {
			if v2 {
				set = append(set, setting{"memory.low", strconv.FormatInt(*m.Reservation, 10)})
			} else {
				set = append(set, setting{"memory.soft_limit_in_bytes", strconv.FormatInt(*m.Reservation, 10)})
			}
		}
	}
	if c := res.CPU; c != nil {
		if v2 {
			if c.Shares != nil && *c.Shares > 0 {
				// runc's conversion of shares [2, 262144] to weight [1, 10000].
				w := 1 + ((*c.Shares-2)*9999)/262142
				set = append(set, setting{"cpu.weight", strconv.FormatUint(w, 10)})
			}
			if c.Quota != nil || c.Period != nil {
				quota, period := "max", uint64(100000)
				if c.Quota != nil && *c.Quota > 0 {
					quota = strconv.FormatInt(*c.Quota, 10)
				}
				if c.Period != nil && *c.Period > 0 {
					period = *c.Period
				}
				set = append(set, setting{"cpu.max", quota + " " + strconv.FormatUint(period, 10)})
			}
		} else {
			if c.Shares != nil && *c.Shares > 0 {
				set = append(set, setting{"cpu.shares", strconv.FormatUint(*c.Shares, 10)})
			}
			if c.Period != nil && *c.Period > 0 {
				set = append(set, setting{"cpu.cfs_period_us", strconv.FormatUint(*c.Period, 10)})
			}
			if c.Quota != nil && *c.Quota != 0 {
				set = append(set, setting{"cpu.cfs_quota_us", strconv.FormatInt(*c.Quota, 10)})
			}
		}
		if c.Cpus != "" {
			set = append(set, setting{"cpuset.cpus", c.Cpus})
		}
		if c.Mems != "" {
			set = append(set, setting{"cpuset.mems", c.Mems})
		}
	}
	if p := res.Pids; p != nil {
		v := "max"
		if p.Limit != nil && *p.Limit > 0 {
			v = strconv.FormatInt(*p.Limit, 10)
		}
		set = append(set, setting{"pids.max", v})
	}
	var errs []error
	for _, s := range set {
		done := false
		for _, dir := range dirs {
			p := filepath.Join(dir, s.file)
			if _, err := os.Stat(p); err != nil {
				continue
			}
			if err := os.WriteFile(p, []byte(s.value), 0); err != nil {
				errs = append(errs, fmt.Errorf("setting %s to %s: %w", p, s.value, err))
			}
			done = true
		}
		if !done && len(dirs) > 0 {
			slog.Warn("cgroup setting not available", "file", s.file)
		}
	}
	return errors.Join(errs...)
}

func limitString(v int64) string {
	if v <= 0 {
		return "max"
	}
	return strconv.FormatInt(v, 10)
}

// RemoveCgroups removes the cgroup directories (empty by now).
func RemoveCgroups(dirs []string) {
	for _, d := range dirs {
		if err := os.Remove(d); err != nil && !errors.Is(err, os.ErrNotExist) {
			slog.Warn("removing cgroup", "dir", d, "err", err)
		}
	}
}

// ReadCgroupStat reads an integer from a cgroup file in one of dirs.
func ReadCgroupStat(dirs []string, file string) (uint64, bool) {
	for _, d := range dirs {
		b, err := os.ReadFile(filepath.Join(d, file))
		if err != nil {
			continue
		}
		if n, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64); err == nil {
			return n, true
		}
	}
	return 0, false
}
