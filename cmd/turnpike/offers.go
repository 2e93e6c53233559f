package main

import "github.com/turnpike-x402/turnpike/controller/sellercli"

func init() {
	register("offers", "list ServiceOffers: URL, price, readiness, registration, drain, revenue", sellerCommand(sellercli.RunOffers))
}
