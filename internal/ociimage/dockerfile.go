package ociimage

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
)

// Dockerfile is the subset of a Dockerfile that can be honoured without running
// anything: one FROM (replaced by the built-in base), COPY from the build context,
// and configuration (USER, ENTRYPOINT/CMD in exec form, ENV, WORKDIR, LABEL). Reading
// the repository's Dockerfile instead of restating it keeps the two builds from
// drifting apart; anything outside the subset is refused, never skipped.
type Dockerfile struct {
	From   string
	Copies []Copy
	Config Config
}

// Copy is one COPY instruction: one layer.
type Copy struct {
	Line    int
	Sources []string
	Dest    string
}

func (c Copy) String() string {
	return "COPY " + strings.Join(c.Sources, " ") + " " + c.Dest
}

// ParseDockerfile reads the subset described on Dockerfile.
func ParseDockerfile(text string) (*Dockerfile, error) {
	d := &Dockerfile{}
	for _, ins := range logicalLines(text) {
		if err := d.apply(ins); err != nil {
			return nil, fmt.Errorf("Dockerfile line %d: %w", ins.line, err)
		}
	}
	if d.From == "" {
		return nil, errors.New("Dockerfile has no FROM")
	}
	return d, nil
}

type instruction struct {
	line int
	cmd  string // upper case
	args string
}

// logicalLines joins continuation lines (trailing backslash) and drops comments and
// blank lines, as the Dockerfile reader does.
func logicalLines(text string) []instruction {
	var out []instruction
	var cur strings.Builder
	start := 0
	for i, raw := range strings.Split(text, "\n") {
		l := strings.TrimSpace(raw)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if cur.Len() == 0 {
			start = i + 1
		}
		if strings.HasSuffix(l, "\\") {
			cur.WriteString(strings.TrimSuffix(l, "\\"))
			cur.WriteString(" ")
			continue
		}
		cur.WriteString(l)
		cmd, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, instruction{line: start, cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)})
		cur.Reset()
	}
	if cur.Len() > 0 {
		cmd, args, _ := strings.Cut(cur.String(), " ")
		out = append(out, instruction{line: start, cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)})
	}
	return out
}

func (d *Dockerfile) apply(ins instruction) error {
	if d.From == "" && ins.cmd != "FROM" {
		return fmt.Errorf("%s before FROM is not supported", ins.cmd)
	}
	var err error
	switch ins.cmd {
	case "FROM":
		err = d.from(ins.args)
	case "COPY":
		err = d.copyIns(ins)
	case "USER":
		d.Config.User = ins.args
	case "WORKDIR":
		if !path.IsAbs(ins.args) {
			err = fmt.Errorf("WORKDIR %q: only absolute paths are supported", ins.args)
		}
		d.Config.WorkingDir = path.Clean(ins.args)
	case "ENTRYPOINT":
		d.Config.Entrypoint, err = execForm(ins)
	case "CMD":
		d.Config.Cmd, err = execForm(ins)
	case "ENV":
		err = d.env(ins.args)
	case "LABEL":
		err = d.label(ins.args)
	default:
		err = fmt.Errorf("%s is not supported without a container engine (supported: FROM, COPY, USER, WORKDIR, ENTRYPOINT, CMD, ENV, LABEL)", ins.cmd)
	}
	return err
}

func (d *Dockerfile) from(args string) error {
	if d.From != "" {
		return errors.New("a second FROM (multi-stage build) is not supported")
	}
	f := strings.Fields(args)
	if len(f) != 1 || strings.HasPrefix(f[0], "--") {
		return fmt.Errorf("FROM %q: want one image reference, no flags or stage name", args)
	}
	d.From = f[0]
	return nil
}

func (d *Dockerfile) copyIns(ins instruction) error {
	if strings.HasPrefix(ins.args, "[") {
		return errors.New("COPY in JSON form is not supported")
	}
	f := strings.Fields(ins.args)
	for _, a := range f {
		if strings.HasPrefix(a, "--") {
			return fmt.Errorf("COPY flag %s is not supported (files are owned by root, like a plain COPY)", a)
		}
		if strings.ContainsAny(a, "*?[$") {
			return fmt.Errorf("COPY %s: wildcards and variables are not supported", a)
		}
	}
	if len(f) < 2 {
		return fmt.Errorf("COPY %q: want one or more sources and a destination", ins.args)
	}
	dest := f[len(f)-1]
	if !path.IsAbs(dest) {
		return fmt.Errorf("COPY destination %q: only absolute destinations are supported", dest)
	}
	for _, s := range f[:len(f)-1] {
		c := path.Clean(s)
		if path.IsAbs(c) || c == ".." || strings.HasPrefix(c, "../") {
			return fmt.Errorf("COPY source %q is outside the build context", s)
		}
	}
	d.Copies = append(d.Copies, Copy{Line: ins.line, Sources: f[:len(f)-1], Dest: dest})
	return nil
}

func execForm(ins instruction) ([]string, error) {
	var v []string
	if err := json.Unmarshal([]byte(ins.args), &v); err != nil || len(v) == 0 {
		return nil, fmt.Errorf("%s %s: only the exec form [\"/path\", \"arg\"] is supported (the shell form needs /bin/sh, which the image does not have)", ins.cmd, ins.args)
	}
	return v, nil
}

// keyValues splits `k=v k2=v2`; quoting is not supported and refused.
func keyValues(args string) ([][2]string, error) {
	if strings.ContainsAny(args, `"'\`) {
		return nil, fmt.Errorf("%q: quoted values are not supported", args)
	}
	var out [][2]string
	for _, kv := range strings.Fields(args) {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("%q: want key=value pairs", args)
		}
		out = append(out, [2]string{k, v})
	}
	if len(out) == 0 {
		return nil, errors.New("want key=value pairs")
	}
	return out, nil
}

func (d *Dockerfile) env(args string) error {
	kvs, err := keyValues(args)
	if err != nil {
		return fmt.Errorf("ENV %w", err)
	}
	for _, kv := range kvs {
		d.Config.Env = setEnv(d.Config.Env, kv[0], kv[1])
	}
	return nil
}

func (d *Dockerfile) label(args string) error {
	kvs, err := keyValues(args)
	if err != nil {
		return fmt.Errorf("LABEL %w", err)
	}
	if d.Config.Labels == nil {
		d.Config.Labels = map[string]string{}
	}
	for _, kv := range kvs {
		d.Config.Labels[kv[0]] = kv[1]
	}
	return nil
}

// setEnv replaces or appends k in a KEY=value list, keeping its order.
func setEnv(env []string, k, v string) []string {
	for i, e := range env {
		if strings.HasPrefix(e, k+"=") {
			out := append([]string(nil), env...)
			out[i] = k + "=" + v
			return out
		}
	}
	return append(append([]string(nil), env...), k+"="+v)
}

// Layers reads every COPY from the build context: one layer per COPY, as an engine
// builds them. A directory source copies its content into the destination; a file
// lands at the destination, or inside it when the destination ends in "/" or the
// COPY has several sources.
func (d *Dockerfile) Layers(contextDir string) ([]Layer, error) {
	if _, err := os.Stat(filepath.Join(contextDir, ".dockerignore")); err == nil {
		return nil, errors.New(".dockerignore is not supported: the image would hold files an engine build leaves out")
	}
	var layers []Layer
	for _, c := range d.Copies {
		var entries []Entry
		intoDir := strings.HasSuffix(c.Dest, "/") || len(c.Sources) > 1
		dest := path.Clean(c.Dest)
		for _, s := range c.Sources {
			src := filepath.Join(contextDir, filepath.FromSlash(s))
			st, err := os.Stat(src)
			if err != nil {
				return nil, fmt.Errorf("Dockerfile line %d (%s): %w", c.Line, c, err)
			}
			if st.IsDir() {
				tree, err := Tree(src, dest)
				if err != nil {
					return nil, fmt.Errorf("Dockerfile line %d: %w", c.Line, err)
				}
				entries = append(entries, tree...)
				continue
			}
			target := dest
			if intoDir {
				target = path.Join(dest, path.Base(filepath.ToSlash(s)))
			}
			e, err := File(src, target)
			if err != nil {
				return nil, fmt.Errorf("Dockerfile line %d: %w", c.Line, err)
			}
			entries = append(entries, e)
		}
		layers = append(layers, Layer{Name: c.String(), Entries: entries})
	}
	return layers, nil
}

// FromDockerfile is the Spec of an engine build of the Dockerfile at dockerfile with
// context contextDir, on the built-in nonroot base (with the CA bundle caBundle)
// instead of the FROM image. Configuration starts from what distroless nonroot sets
// (user, home as working directory, environment) and the Dockerfile overrides it.
func FromDockerfile(dockerfile, contextDir, caBundle string) (Spec, error) {
	raw, err := os.ReadFile(dockerfile)
	if err != nil {
		return Spec{}, fmt.Errorf("reading Dockerfile: %w", err)
	}
	d, err := ParseDockerfile(string(raw))
	if err != nil {
		return Spec{}, fmt.Errorf("%s: %w", dockerfile, err)
	}
	base, err := NonrootBase(caBundle)
	if err != nil {
		return Spec{}, err
	}
	copies, err := d.Layers(contextDir)
	if err != nil {
		return Spec{}, fmt.Errorf("%s: %w", dockerfile, err)
	}
	cfg := Config{
		User:       fmt.Sprintf("%d", NonrootUID),
		WorkingDir: NonrootHome,
		Env:        append([]string(nil), NonrootEnv...),
		Entrypoint: d.Config.Entrypoint,
		Cmd:        d.Config.Cmd,
		Labels:     d.Config.Labels,
	}
	if d.Config.User != "" {
		cfg.User = d.Config.User
	}
	if d.Config.WorkingDir != "" {
		cfg.WorkingDir = d.Config.WorkingDir
	}
	for _, e := range d.Config.Env {
		k, v, _ := strings.Cut(e, "=")
		cfg.Env = setEnv(cfg.Env, k, v)
	}
	return Spec{Layers: append([]Layer{base}, copies...), Config: cfg}, nil
}
