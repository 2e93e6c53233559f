module github.com/turnpike-x402/benchfloor

go 1.22
