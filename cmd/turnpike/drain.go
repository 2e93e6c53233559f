package main

import "github.com/turnpike-x402/turnpike/controller/sellercli"

func init() {
	register("drain", "stop advertising a ServiceOffer and remove its route after a grace period", sellerCommand(sellercli.RunDrain))
}
