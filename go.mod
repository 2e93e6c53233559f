module github.com/turnpike-x402/turnpike

go 1.25.0
