package facilitator

import (
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/turnpike-x402/turnpike/contracts/token"
)

// transferTopic is the id of the ERC-20 Transfer event, from the generated bindings.
var transferTopic = eventID("Transfer")

// authorizationUsedTopic is the id of EIP-3009's AuthorizationUsed(authorizer, nonce).
var authorizationUsedTopic = eventID("AuthorizationUsed")

func eventID(name string) common.Hash {
	parsed, err := token.EIP3009TokenMetaData.ParseABI()
	if err != nil {
		panic("facilitator: generated token ABI does not parse: " + err.Error())
	}
	ev, ok := parsed.Events[name]
	if !ok {
		panic("facilitator: generated token ABI has no event " + name)
	}
	return ev.ID
}

// transferLogged reports whether logs hold the ERC-20 Transfer this authorization
// should have caused: emitted by the asset, from payer to payee, exactly the value.
func transferLogged(logs []*types.Log, p *payment) bool {
	for _, l := range logs {
		if l == nil || l.Address != p.Asset || len(l.Topics) != 3 || l.Topics[0] != transferTopic {
			continue
		}
		if common.BytesToAddress(l.Topics[1][:]) != p.Auth.From || common.BytesToAddress(l.Topics[2][:]) != p.Auth.To {
			continue
		}
		if new(big.Int).SetBytes(l.Data).Cmp(p.Auth.Value) == 0 {
			return true
		}
	}
	return false
}
