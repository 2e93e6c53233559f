// Package traefikconf reads plugin configuration exactly as Traefik hands it to a
// plugin: a Traefik dynamic configuration file parsed by paerser into a raw map, then
// decoded into the plugin's Config with mapstructure (WeaklyTypedInput, the
// StringToSlice hook, case-insensitive keys, json tags ignored). `turnpike gateway`
// and the tests share it so both see what Traefik sees.
//
// The plugin itself must not import this package (it must stay standard-library only
// for Yaegi).
package traefikconf

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/mitchellh/mapstructure"
	"github.com/traefik/paerser/file"
)

// Decode fills cfg from a raw plugin map with Traefik's decoder settings. An empty map
// leaves CreateConfig's defaults untouched, as Traefik does.
func Decode(raw map[string]any, cfg any) error {
	if len(raw) == 0 {
		return nil
	}
	dec, err := mapstructure.NewDecoder(&mapstructure.DecoderConfig{
		DecodeHook:       mapstructure.StringToSliceHookFunc(","),
		WeaklyTypedInput: true,
		Result:           cfg,
	})
	if err != nil {
		return fmt.Errorf("plugin config decoder: %w", err)
	}
	if err := dec.Decode(raw); err != nil {
		return fmt.Errorf("decode plugin config: %w", err)
	}
	return nil
}

// FromCRDJSON turns the JSON of a Middleware's spec.plugin.<name> into the raw map
// the Kubernetes CRD provider produces: every number becomes a float64.
func FromCRDJSON(data []byte) (map[string]any, error) {
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("plugin config JSON: %w", err)
	}
	return raw, nil
}

// Dynamic is the part of Traefik's dynamic configuration that holds plugin
// middlewares; other sections of the file are read and ignored.
type Dynamic struct {
	HTTP *HTTP `json:"http,omitempty" toml:"http,omitempty" yaml:"http,omitempty"`
}

// HTTP mirrors Traefik's `http` section.
type HTTP struct {
	Routers     map[string]any         `json:"routers,omitempty" toml:"routers,omitempty" yaml:"routers,omitempty"`
	Services    map[string]any         `json:"services,omitempty" toml:"services,omitempty" yaml:"services,omitempty"`
	Middlewares map[string]*Middleware `json:"middlewares,omitempty" toml:"middlewares,omitempty" yaml:"middlewares,omitempty"`
}

// Middleware mirrors a Traefik middleware; only the plugin kind matters here, the
// built-in kinds are listed so files that use them still parse.
type Middleware struct {
	Plugin            map[string]PluginConf `json:"plugin,omitempty" toml:"plugin,omitempty" yaml:"plugin,omitempty"`
	AddPrefix         map[string]any        `json:"addPrefix,omitempty" toml:"addPrefix,omitempty" yaml:"addPrefix,omitempty"`
	BasicAuth         map[string]any        `json:"basicAuth,omitempty" toml:"basicAuth,omitempty" yaml:"basicAuth,omitempty"`
	Buffering         map[string]any        `json:"buffering,omitempty" toml:"buffering,omitempty" yaml:"buffering,omitempty"`
	Chain             map[string]any        `json:"chain,omitempty" toml:"chain,omitempty" yaml:"chain,omitempty"`
	CircuitBreaker    map[string]any        `json:"circuitBreaker,omitempty" toml:"circuitBreaker,omitempty" yaml:"circuitBreaker,omitempty"`
	Compress          map[string]any        `json:"compress,omitempty" toml:"compress,omitempty" yaml:"compress,omitempty"`
	ContentType       map[string]any        `json:"contentType,omitempty" toml:"contentType,omitempty" yaml:"contentType,omitempty"`
	DigestAuth        map[string]any        `json:"digestAuth,omitempty" toml:"digestAuth,omitempty" yaml:"digestAuth,omitempty"`
	Errors            map[string]any        `json:"errors,omitempty" toml:"errors,omitempty" yaml:"errors,omitempty"`
	ForwardAuth       map[string]any        `json:"forwardAuth,omitempty" toml:"forwardAuth,omitempty" yaml:"forwardAuth,omitempty"`
	GrpcWeb           map[string]any        `json:"grpcWeb,omitempty" toml:"grpcWeb,omitempty" yaml:"grpcWeb,omitempty"`
	Headers           map[string]any        `json:"headers,omitempty" toml:"headers,omitempty" yaml:"headers,omitempty"`
	IPWhiteList       map[string]any        `json:"ipWhiteList,omitempty" toml:"ipWhiteList,omitempty" yaml:"ipWhiteList,omitempty"`
	IPAllowList       map[string]any        `json:"ipAllowList,omitempty" toml:"ipAllowList,omitempty" yaml:"ipAllowList,omitempty"`
	InFlightReq       map[string]any        `json:"inFlightReq,omitempty" toml:"inFlightReq,omitempty" yaml:"inFlightReq,omitempty"`
	PassTLSClientCert map[string]any        `json:"passTLSClientCert,omitempty" toml:"passTLSClientCert,omitempty" yaml:"passTLSClientCert,omitempty"`
	RateLimit         map[string]any        `json:"rateLimit,omitempty" toml:"rateLimit,omitempty" yaml:"rateLimit,omitempty"`
	RedirectRegex     map[string]any        `json:"redirectRegex,omitempty" toml:"redirectRegex,omitempty" yaml:"redirectRegex,omitempty"`
	RedirectScheme    map[string]any        `json:"redirectScheme,omitempty" toml:"redirectScheme,omitempty" yaml:"redirectScheme,omitempty"`
	ReplacePath       map[string]any        `json:"replacePath,omitempty" toml:"replacePath,omitempty" yaml:"replacePath,omitempty"`
	ReplacePathRegex  map[string]any        `json:"replacePathRegex,omitempty" toml:"replacePathRegex,omitempty" yaml:"replacePathRegex,omitempty"`
	Retry             map[string]any        `json:"retry,omitempty" toml:"retry,omitempty" yaml:"retry,omitempty"`
	StripPrefix       map[string]any        `json:"stripPrefix,omitempty" toml:"stripPrefix,omitempty" yaml:"stripPrefix,omitempty"`
	StripPrefixRegex  map[string]any        `json:"stripPrefixRegex,omitempty" toml:"stripPrefixRegex,omitempty" yaml:"stripPrefixRegex,omitempty"`
}

// PluginConf is the raw plugin configuration, as Traefik's dynamic.PluginConf.
type PluginConf map[string]any

// LoadPluginConf reads a Traefik dynamic configuration file (YAML or TOML) and returns
// the raw configuration of plugin `plugin` in middleware `middleware`. With an empty
// middleware name the file must hold exactly one middleware using the plugin.
func LoadPluginConf(path, middleware, plugin string) (map[string]any, string, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yml", ".yaml", ".toml":
	default:
		return nil, "", fmt.Errorf("dynamic config %s: want a .yml, .yaml or .toml file", path)
	}
	var d Dynamic
	if err := file.Decode(path, &d); err != nil {
		return nil, "", fmt.Errorf("read dynamic config %s: %w", path, err)
	}
	if d.HTTP == nil || len(d.HTTP.Middlewares) == 0 {
		return nil, "", fmt.Errorf("dynamic config %s: no http.middlewares", path)
	}
	var found []string
	for name, mw := range d.HTTP.Middlewares {
		if mw == nil {
			continue
		}
		if _, ok := mw.Plugin[plugin]; ok {
			found = append(found, name)
		}
	}
	sort.Strings(found)
	if middleware == "" {
		if len(found) != 1 {
			return nil, "", fmt.Errorf("dynamic config %s: %d middlewares use plugin %q (%s); name one", path, len(found), plugin, strings.Join(found, ", "))
		}
		middleware = found[0]
	}
	mw := d.HTTP.Middlewares[middleware]
	if mw == nil {
		return nil, "", fmt.Errorf("dynamic config %s: no middleware %q", path, middleware)
	}
	conf, ok := mw.Plugin[plugin]
	if !ok {
		return nil, "", fmt.Errorf("dynamic config %s: middleware %q does not use plugin %q", path, middleware, plugin)
	}
	return conf, middleware, nil
}
