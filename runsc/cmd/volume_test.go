package cmd

import (
	"reflect"
	"strings"
	"testing"
)

func TestVolumeFlagOptions(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		arg     string
		opts    []string
		wantErr string
	}{
		{arg: dir + ":/mnt", opts: []string{"rbind", "rw"}},
		{arg: dir + ":/mnt:ro", opts: []string{"rbind", "ro"}},
		{arg: dir + ":/mnt:ro,noexec,nosuid,nodev", opts: []string{"rbind", "ro", "noexec", "nosuid", "nodev"}},
		{arg: dir + ":/mnt:noexec,rw", opts: []string{"rbind", "rw", "noexec"}},
		{arg: dir + ":/mnt:bogus", wantErr: "unknown option"},
		{arg: dir + ":mnt", wantErr: "absolute"},
		{arg: dir, wantErr: "not of the form"},
	}
	for _, tc := range tests {
		var v volumeFlag
		err := v.Set(tc.arg)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Set(%q) = %v, want an error with %q", tc.arg, err, tc.wantErr)
			}
			continue
		}
		if err != nil {
			t.Errorf("Set(%q): %v", tc.arg, err)
			continue
		}
		if len(v) != 1 || !reflect.DeepEqual(v[0].Options, tc.opts) {
			t.Errorf("Set(%q) = %+v, want options %q", tc.arg, v, tc.opts)
		}
	}
}
