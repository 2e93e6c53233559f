// Package routestest writes routes documents of many simple offers for the reload
// benchmarks: the plugin's own (compiled) and tools/yaegibench's (under Yaegi, which
// interprets this package), so both time the same bytes. Standard library only, like
// everything Traefik interprets.
package routestest

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/turnpike-x402/turnpike/plugin/routes"
)

// Simple is a routes document of n offers as the controller renders a simple one (one
// payment option, no path rules; 422 bytes each). skip leaves out the first skip
// offers and adds as many at the end, so the size stays the same while the gate's own
// offer (team-000/offer-00000) comes and goes. Written by hand: json.Marshal of
// interpreted structs is unreliable under Yaegi.
func Simple(n int, generation int64, skip int) []byte {
	var b strings.Builder
	b.WriteString(`{"schema":"` + routes.Schema + `","generation":` + strconv.FormatInt(generation, 10) + `,"offers":[`)
	for i := skip; i < n+skip; i++ {
		if i > skip {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"namespace":"team-%03d","name":"offer-%05d","state":"active","pathPrefix":"/services/offer-%05d","description":"test offer offer-%05d",`+
			`"payments":[{"scheme":"exact","network":"eip155:84532","amount":"10000","asset":"0x036CbD53842c5426634e7929541eC2318f3dCF7e",`+
			`"payTo":"0x1111111111111111111111111111111111111111","maxTimeoutSeconds":300,"eip712Name":"USDC","eip712Version":"2","assetSymbol":"USDC","assetDecimals":6}]}`,
			i/100, i, i, i)
	}
	b.WriteString("]}")
	return []byte(b.String())
}
