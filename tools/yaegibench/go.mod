module github.com/turnpike-x402/turnpike/tools/yaegibench

go 1.22

require github.com/traefik/yaegi v0.16.1
