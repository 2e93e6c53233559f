package buildinfo

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestFromBuildInfo(t *testing.T) {
	vcs := &debug.BuildInfo{GoVersion: "go1.99.1", Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123abc"}, {Key: "vcs.modified", Value: "true"},
	}}
	cases := []struct {
		desc             string
		version, commit  string // link-time values
		bi               *debug.BuildInfo
		ok               bool
		want             Info
		wantLineContains []string
	}{
		{desc: "nothing known", ok: false,
			want: Info{Version: "dev", Commit: "unknown", GoVersion: runtime.Version()}},
		{desc: "toolchain recorded the commit", bi: vcs, ok: true,
			want: Info{Version: "dev", Commit: "0123abc", Modified: true, GoVersion: "go1.99.1"}, wantLineContains: []string{"0123abc+modified", "go1.99.1"}},
		{desc: "ldflags win", version: "v0.3.0", commit: "feedbee", bi: vcs, ok: true,
			want: Info{Version: "v0.3.0", Commit: "feedbee", Modified: true, GoVersion: "go1.99.1"}, wantLineContains: []string{"turnpike v0.3.0 (commit feedbee"}},
		{desc: "module version from go install", bi: &debug.BuildInfo{GoVersion: "go1.99.1", Main: debug.Module{Version: "v0.2.1"}}, ok: true,
			want: Info{Version: "v0.2.1", Commit: "unknown", GoVersion: "go1.99.1"}},
	}
	for _, c := range cases {
		t.Run(c.desc, func(t *testing.T) {
			Version, Commit = c.version, c.commit
			defer func() { Version, Commit = "", "" }()
			got := fromBuildInfo(c.bi, c.ok)
			c.want.Platform = runtime.GOOS + "/" + runtime.GOARCH
			if got != c.want {
				t.Fatalf("got %+v, want %+v", got, c.want)
			}
			for _, s := range c.wantLineContains {
				if !strings.Contains(got.String(), s) {
					t.Errorf("%q lacks %q", got.String(), s)
				}
			}
		})
	}
}
