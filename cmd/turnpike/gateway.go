package main

import (
	"context"

	"github.com/turnpike-x402/turnpike/gateway"
)

func init() {
	register("gateway", "the x402 gate compiled natively, as a reverse proxy in front of one upstream", runGateway)
}

func runGateway(ctx context.Context, std streams, args []string) error {
	fs := newFlags("gateway", "-config FILE -upstream URL [flags]", `
Serves the payment gate without Traefik: the same plugin code, compiled, in front of
one upstream. The gate is configured from a Traefik dynamic configuration file exactly
as Traefik would read it (http.middlewares.<name>.plugin.<plugin>); requests that pay
reach -upstream, the others get 402 with the payment requirements.`)
	var o gateway.Options
	fs.StringVar(&o.DynamicConfig, "config", "", "Traefik dynamic configuration file (YAML/TOML) declaring the gate middleware (required)")
	fs.StringVar(&o.Middleware, "middleware", "", "middleware name in the file (default: the only one using the plugin)")
	fs.StringVar(&o.Plugin, "plugin", "turnpike", "plugin key under http.middlewares.<name>.plugin")
	fs.StringVar(&o.Listen, "listen", "127.0.0.1:8402", "address to serve on")
	fs.StringVar(&o.Upstream, "upstream", "", "upstream service URL, e.g. http://127.0.0.1:8080 (required)")
	fs.DurationVar(&o.ReadHeaderTimeout, "read-header-timeout", gateway.DefaultReadHeaderTimeout, "time to read a request's headers (-1s: none)")
	fs.DurationVar(&o.ReadTimeout, "read-timeout", gateway.DefaultReadTimeout, "time to read a whole request, body included (-1s: none)")
	fs.DurationVar(&o.WriteTimeout, "write-timeout", gateway.DefaultWriteTimeout, "time from the end of the request headers to the end of the response; must cover verify + upstream + settle (-1s: none, e.g. for long streams)")
	fs.DurationVar(&o.IdleTimeout, "idle-timeout", gateway.DefaultIdleTimeout, "how long an idle keep-alive connection stays open (-1s: none)")
	fs.IntVar(&o.MaxHeaderBytes, "max-header-bytes", gateway.DefaultMaxHeaderBytes, "largest request header block accepted; larger ones get 431")
	level := logLevelFlag(fs)
	if err := parseFlags(fs, args, std.stdout); err != nil {
		return err
	}
	if o.DynamicConfig == "" {
		return usagef("-config is required: the Traefik dynamic configuration file declaring the gate middleware")
	}
	if o.Upstream == "" {
		return usagef("-upstream is required: the URL of the service behind the gate, e.g. http://127.0.0.1:8080")
	}
	if err := checkHTTPURL(o.Upstream); err != nil {
		return usagef("-upstream %q: %v", o.Upstream, err)
	}
	setupLogging(std.stderr, level, "gateway")
	return gateway.Run(ctx, o)
}
