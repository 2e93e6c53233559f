// The official x402 TypeScript facilitator (@x402/core x402Facilitator + @x402/evm
// ExactEvmScheme) behind a minimal HTTP wrapper, pointed at a JSON-RPC chain. Turnpike's
// interop tests and the /verify benchmark run it as an independent peer.
//
// env: RPC_URL, CHAIN_ID, RELAYER_KEY (0x hex). Listens on 127.0.0.1, port PORT or an
// ephemeral one, and prints one JSON line {"listening":"127.0.0.1:<port>"} when ready.
import http from "node:http";
import { createWalletClient, defineChain, http as viemHttp, publicActions } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { x402Facilitator } from "@x402/core/facilitator";
import { toFacilitatorEvmSigner } from "@x402/evm";
import { ExactEvmScheme } from "@x402/evm/exact/facilitator";

const rpcUrl = process.env.RPC_URL;
const chainId = Number(process.env.CHAIN_ID);
const account = privateKeyToAccount(process.env.RELAYER_KEY);
const chain = defineChain({
  id: chainId,
  name: `local-${chainId}`,
  nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
  rpcUrls: { default: { http: [rpcUrl] } },
});
const client = createWalletClient({ account, chain, transport: viemHttp(rpcUrl) }).extend(publicActions);
// getSupported() lists signers from `address`; without it they come out null.
const signer = toFacilitatorEvmSigner(Object.assign(client, { address: account.address }));
const facilitator = new x402Facilitator().register(`eip155:${chainId}`, new ExactEvmScheme(signer));

function send(res, status, body) {
  const data = JSON.stringify(body, (_, v) => (typeof v === "bigint" ? v.toString() : v));
  res.writeHead(status, { "content-type": "application/json" });
  res.end(data);
}

const server = http.createServer(async (req, res) => {
  try {
    if (req.method === "GET" && req.url === "/supported") {
      return send(res, 200, facilitator.getSupported());
    }
    if (req.method !== "POST" || (req.url !== "/verify" && req.url !== "/settle")) {
      return send(res, 404, { error: "not found" });
    }
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    const out = req.url === "/verify"
      ? await facilitator.verify(body.paymentPayload, body.paymentRequirements)
      : await facilitator.settle(body.paymentPayload, body.paymentRequirements);
    return send(res, 200, out);
  } catch (err) {
    return send(res, 500, { error: String(err && err.message ? err.message : err) });
  }
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT || 0), "127.0.0.1", () => {
  const { port } = server.address();
  process.stdout.write(JSON.stringify({ listening: `127.0.0.1:${port}` }) + "\n");
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => server.close(() => process.exit(0)));
