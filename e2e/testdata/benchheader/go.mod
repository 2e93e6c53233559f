module github.com/turnpike-x402/benchheader

go 1.22
