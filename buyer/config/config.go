// Package config loads the buyer's upstreams and their pre-signed authorizations
// from files (ConfigMap mounts), either one JSON document or a directory with one
// `<upstream>.json` per key, and tells when their content changed so the buyer can
// reload without a restart.
package config

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/turnpike-x402/turnpike/buyer/auth"
	"github.com/turnpike-x402/turnpike/eip3009"
	"github.com/turnpike-x402/turnpike/x402"
)

// Upstream is one seller the buyer may pay, with the terms it agreed to.
type Upstream struct {
	Name string `json:"-"`
	// URL is the seller's base URL; request paths are appended to it.
	URL string `json:"url"`
	// RemoteModel routes OpenAI-style requests whose model is `paid/<RemoteModel>`.
	RemoteModel   string `json:"remoteModel,omitempty"`
	Network       string `json:"network"`
	PayTo         string `json:"payTo"`
	Asset         string `json:"asset"`
	AssetSymbol   string `json:"assetSymbol,omitempty"`
	AssetDecimals *int   `json:"assetDecimals,omitempty"`
	EIP712Name    string `json:"eip712Name,omitempty"`
	EIP712Version string `json:"eip712Version,omitempty"`
	// AssetTransferMethod is informational; only eip3009 authorizations are pooled.
	AssetTransferMethod string `json:"assetTransferMethod,omitempty"`
	// Price of one call in atomic units: the seller must ask exactly this.
	Price string `json:"price"`

	Terms auth.Terms `json:"-"`
	Base  *url.URL   `json:"-"`
}

// Document is the single-file config form.
type Document struct {
	Upstreams map[string]*Upstream `json:"upstreams"`
}

// Sources says where config and auths live; for each, a directory wins over a file.
// Empty paths are skipped.
type Sources struct {
	ConfigFile, ConfigDir string
	AuthsFile, AuthsDir   string
}

// Snapshot is one consistent load of everything.
type Snapshot struct {
	Upstreams map[string]*Upstream
	Auths     map[string][]auth.Auth // per upstream, in file order
	// Hash identifies the content read; equal hashes mean nothing changed.
	Hash string
}

// Names returns the upstream names, sorted.
func (s *Snapshot) Names() []string {
	out := make([]string, 0, len(s.Upstreams))
	for n := range s.Upstreams {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Load reads and validates everything. Any invalid upstream or authorization fails the
// whole load: the caller keeps its last good snapshot rather than serving half a file.
func Load(src Sources) (*Snapshot, error) {
	h := sha256.New()
	snap := &Snapshot{Upstreams: map[string]*Upstream{}, Auths: map[string][]auth.Auth{}}

	cfgFiles, err := readSource(src.ConfigDir, src.ConfigFile, h)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	for _, f := range cfgFiles {
		if f.perKey {
			var u Upstream
			if err := strictJSON(f.data, &u); err != nil {
				return nil, fmt.Errorf("config %s: %w", f.path, err)
			}
			snap.Upstreams[f.name] = &u
			continue
		}
		var doc Document
		if err := strictJSON(f.data, &doc); err != nil {
			return nil, fmt.Errorf("config %s: %w", f.path, err)
		}
		for n, u := range doc.Upstreams {
			if u == nil {
				return nil, fmt.Errorf("config %s: upstream %q is null", f.path, n)
			}
			snap.Upstreams[n] = u
		}
	}
	models := map[string]string{}
	for n, u := range snap.Upstreams {
		u.Name = n
		if err := u.validate(); err != nil {
			return nil, fmt.Errorf("config: upstream %q: %w", n, err)
		}
		if u.RemoteModel != "" {
			if other, dup := models[u.RemoteModel]; dup {
				return nil, fmt.Errorf("config: upstreams %q and %q both serve model %q", other, n, u.RemoteModel)
			}
			models[u.RemoteModel] = n
		}
	}

	authFiles, err := readSource(src.AuthsDir, src.AuthsFile, h)
	if err != nil {
		return nil, fmt.Errorf("auths: %w", err)
	}
	seen := map[string]string{}
	add := func(path, name string, list []auth.PreSigned) error {
		for i, p := range list {
			a, err := auth.Parse(p)
			if err != nil {
				return fmt.Errorf("auths %s: %s[%d]: %w", path, name, i, err)
			}
			if prev, dup := seen[a.Key]; dup {
				return fmt.Errorf("auths %s: %s[%d]: authorization %s is listed twice (also under %q)", path, name, i, a.Key, prev)
			}
			seen[a.Key] = name
			snap.Auths[name] = append(snap.Auths[name], a)
		}
		return nil
	}
	for _, f := range authFiles {
		if f.perKey {
			var list []auth.PreSigned
			if err := strictJSON(f.data, &list); err != nil {
				return nil, fmt.Errorf("auths %s: %w", f.path, err)
			}
			if err := add(f.path, f.name, list); err != nil {
				return nil, err
			}
			continue
		}
		var doc map[string][]auth.PreSigned
		if err := strictJSON(f.data, &doc); err != nil {
			return nil, fmt.Errorf("auths %s: %w", f.path, err)
		}
		names := make([]string, 0, len(doc))
		for n := range doc {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			if err := add(f.path, n, doc[n]); err != nil {
				return nil, err
			}
		}
	}
	snap.Hash = hex.EncodeToString(h.Sum(nil))
	return snap, nil
}

func (u *Upstream) validate() error {
	base, err := url.Parse(u.URL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return fmt.Errorf("url %q is not an absolute http(s) URL", u.URL)
	}
	base.Path = strings.TrimRight(base.Path, "/")
	u.Base = base
	network, err := x402.CAIP2(u.Network)
	if err != nil {
		return err
	}
	if _, err := eip3009.ParseAddress("payTo", u.PayTo); err != nil {
		return err
	}
	if _, err := eip3009.ParseAddress("asset", u.Asset); err != nil {
		return err
	}
	price, err := x402.ParseAtomic(u.Price)
	if err != nil {
		return fmt.Errorf("price: %w", err)
	}
	if price.Sign() <= 0 {
		return errors.New("price must be positive")
	}
	u.Terms = auth.Terms{Network: network, PayTo: u.PayTo, Asset: u.Asset, Amount: new(big.Int).Set(price)}
	return nil
}

// Chain returns the CAIP-2 chain of the upstream, for metric labels.
func (u *Upstream) Chain() string { return u.Terms.Network }

type sourceFile struct {
	path, name string
	perKey     bool
	data       []byte
}

// readSource reads a directory of `<name>.json` files or one file. Kubernetes mounts
// ConfigMaps through `..data` symlinks and hidden timestamped folders; only visible
// regular `.json` entries count.
func readSource(dir, file string, h interface{ Write([]byte) (int, error) }) ([]sourceFile, error) {
	if dir != "" {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return nil, err
		}
		var out []sourceFile
		for _, e := range entries {
			n := e.Name()
			if strings.HasPrefix(n, ".") || !strings.HasSuffix(n, ".json") {
				continue
			}
			p := filepath.Join(dir, n)
			st, err := os.Stat(p) // follows the ConfigMap symlinks
			if err != nil || !st.Mode().IsRegular() {
				continue
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return nil, err
			}
			h.Write([]byte(p))
			h.Write(data)
			out = append(out, sourceFile{path: p, name: strings.TrimSuffix(n, ".json"), perKey: true, data: data})
		}
		return out, nil
	}
	if file == "" {
		return nil, nil
	}
	data, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil // not mounted yet: nothing to serve, not an error
	}
	if err != nil {
		return nil, err
	}
	h.Write([]byte(file))
	h.Write(data)
	return []sourceFile{{path: file, data: data}}, nil
}

func strictJSON(data []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON document")
	}
	return nil
}
