package main

import (
	"context"
	"flag"

	"github.com/turnpike-x402/turnpike/gateway"
)

func init() {
	register("gateway", "the x402 gate compiled natively, as a reverse proxy in front of one upstream", runGateway)
}

func runGateway(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("gateway", flag.ContinueOnError)
	var o gateway.Options
	fs.StringVar(&o.DynamicConfig, "config", "", "Traefik dynamic configuration file (YAML/TOML) declaring the gate middleware")
	fs.StringVar(&o.Middleware, "middleware", "", "middleware name in the file (default: the only one using the plugin)")
	fs.StringVar(&o.Plugin, "plugin", "turnpike", "plugin key under http.middlewares.<name>.plugin")
	fs.StringVar(&o.Listen, "listen", "127.0.0.1:8402", "address to serve on")
	fs.StringVar(&o.Upstream, "upstream", "", "upstream service URL, e.g. http://127.0.0.1:8080")
	fs.DurationVar(&o.ReadHeaderTimeout, "read-header-timeout", gateway.DefaultReadHeaderTimeout, "time to read a request's headers (-1s: none)")
	fs.DurationVar(&o.ReadTimeout, "read-timeout", gateway.DefaultReadTimeout, "time to read a whole request, body included (-1s: none)")
	fs.DurationVar(&o.WriteTimeout, "write-timeout", gateway.DefaultWriteTimeout, "time from the end of the request headers to the end of the response; must cover verify + upstream + settle (-1s: none, e.g. for long streams)")
	fs.DurationVar(&o.IdleTimeout, "idle-timeout", gateway.DefaultIdleTimeout, "how long an idle keep-alive connection stays open (-1s: none)")
	fs.IntVar(&o.MaxHeaderBytes, "max-header-bytes", gateway.DefaultMaxHeaderBytes, "largest request header block accepted; larger ones get 431")
	if err := fs.Parse(args); err != nil {
		return err
	}
	return gateway.Run(ctx, o)
}
